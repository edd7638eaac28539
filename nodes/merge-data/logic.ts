// Deep merge as dojot's merge data did: objects merge key by key, anything else (arrays
// included) is replaced by the newer value.
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function deepMerge(kept: unknown, incoming: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = isObject(kept) ? { ...kept } : {};
  for (const [k, v] of Object.entries(incoming)) out[k] = isObject(v) && isObject(out[k]) ? deepMerge(out[k], v) : v;
  return out;
}
