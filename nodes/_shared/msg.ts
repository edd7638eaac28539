// Field references in dojot node configs are dotted paths inside msg (§5.2.5), written with or
// without a `msg.` prefix: `payload.data.attrs.temperature` = `msg.payload.data.attrs.temperature`.
// Array indexes may be written `a.0` or `a[0]`.

/** The path's segments; throws on an empty path (a config error the caller names). */
export function segments(path: string): string[] {
  const p = path.trim().replace(/^msg\./, '');
  if (!p || p === 'msg') throw new Error('empty path');
  const out = p.replace(/\[(\d+)\]/g, '.$1').split('.');
  if (out.some((s) => s === '')) throw new Error(`bad path "${path}"`);
  return out;
}

/** The value at path, or undefined when any step is missing. */
export function getPath(msg: unknown, path: string): unknown {
  let cur: unknown = msg;
  for (const s of segments(path)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

/** Writes value at path, creating objects on the way (replacing non-objects in the way). */
export function setPath(msg: Record<string, unknown>, path: string, value: unknown): void {
  const segs = segments(path);
  let cur: Record<string, unknown> = msg;
  for (const s of segs.slice(0, -1)) {
    const next = cur[s];
    if (next === null || typeof next !== 'object') cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  cur[segs[segs.length - 1]] = value;
}

/** Does the path parse? For config checks. */
export function isPath(path: unknown): path is string {
  if (typeof path !== 'string') return false;
  try {
    segments(path);
    return true;
  } catch {
    return false;
  }
}
