// Compile-time checks between two copies of a shape that cannot share one definition (a value
// list and a union type, a service's type and the narrower view a node is given).

/** true when A and B are the same type, else false: `const ok: Same<A, B> = true` fails to compile on drift. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
