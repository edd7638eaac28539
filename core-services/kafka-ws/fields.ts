// dojot's `fields` selection (json-mask syntax, §6.2 of docs/dojot-compatibility.md):
//   a,b        several keys          a/b      a child          a(b,c)   a sub-selection
//   a/*/c      any key in between    a selected parent with no matching children gives {}.
import { CLOSE, FilterError } from './close-codes.js';

/** key → true (take the whole value) or a nested mask; '*' stands for every key. */
export type Mask = Map<string, Mask | true>;

export function parseFields(text: string): Mask {
  let i = 0;
  const syntax = (what: string): never => {
    throw new FilterError(CLOSE.INVALID_SYNTAX, `invalid syntax: ${what} at position ${i} of fields`);
  };
  const name = () => {
    const start = i;
    while (i < text.length && !',/()'.includes(text[i])) i++;
    if (i === start) syntax('expected a key');
    return text.slice(start, i);
  };
  const list = (into: Mask) => {
    for (;;) {
      item(into);
      if (text[i] !== ',') return;
      i++;
    }
  };
  const item = (into: Mask) => {
    let node = into;
    let key = name();
    while (text[i] === '/') {
      i++;
      node = child(node, key);
      key = name();
    }
    if (text[i] === '(') {
      i++;
      list(child(node, key));
      if (text[i] !== ')') syntax('expected ")"');
      i++;
    } else if (!node.has(key)) node.set(key, true);
  };
  const child = (node: Mask, key: string): Mask => {
    const known = node.get(key);
    if (known instanceof Map) return known;
    const m: Mask = new Map();
    node.set(key, m);
    return m;
  };
  const root: Mask = new Map();
  list(root);
  if (i !== text.length) syntax('unexpected character');
  return root;
}

/** Applies a mask; undefined when nothing was selected (such a message is not sent). */
export function applyMask(value: unknown, mask: Mask): unknown {
  if (Array.isArray(value)) return value.map((v) => applyMask(v, mask) ?? {});
  if (value === null || typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, sub] of mask) {
    const keys = key === '*' ? Object.keys(obj) : Object.hasOwn(obj, key) ? [key] : [];
    for (const k of keys) {
      if (sub === true) out[k] = obj[k];
      else {
        const picked = applyMask(obj[k], sub);
        if (picked !== undefined) out[k] = picked;
        else if (key !== '*' && obj[k] !== null && typeof obj[k] === 'object') out[k] = {};
      }
    }
  }
  return Object.keys(out).length ? out : undefined;
}
