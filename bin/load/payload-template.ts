// The payload template of `dojot-red load`: JSON text with a few {{...}} fields, compiled once and
// rendered per message. Kept tiny on purpose (docs/load.md):
//   {{seq}}          the device's message number, 1, 2, 3, ... (the loss check and latency samples use it)
//   {{rand A B}}     a number drawn uniformly from [A, B), two decimals
//   {{randint A B}}  an integer drawn uniformly from A..B, both included
//   {{now}}          the send time, epoch ms
//   {{device}}       the device id (write it inside quotes: "{{device}}")
export class TemplateError extends Error {}

export interface MessageContext {
  seq: number;
  device: string;
  now: number;
}

type Part = string | ((m: MessageContext) => string);

export interface PayloadTemplate {
  render(m: MessageContext): string;
  /** The top-level attribute whose value is exactly {{seq}}, if any. */
  seqAttr: string | null;
  /** The top-level attribute whose value is exactly {{now}}, if any (the send time, for --flow-latency). */
  nowAttr: string | null;
  /** The top-level attributes of a rendered message. */
  attrs: Record<string, unknown>;
}

const FIELD = /\{\{\s*([a-z]+)((?:\s+-?\d+(?:\.\d+)?)*)\s*\}\}/g;

function field(name: string, args: number[], raw: string): Part {
  const want = (n: number) => {
    if (args.length !== n) throw new TemplateError(`${raw} takes ${n} number${n === 1 ? '' : 's'}`);
  };
  switch (name) {
    case 'seq':
      want(0);
      return (m) => String(m.seq);
    case 'now':
      want(0);
      return (m) => String(Math.round(m.now));
    case 'device':
      want(0);
      return (m) => m.device;
    case 'rand': {
      want(2);
      const [a, b] = args;
      if (!(b > a)) throw new TemplateError(`${raw}: the second number must be greater than the first`);
      // Cut, not rounded, to two decimals: rounding could reach B.
      return () => (Math.floor((a + Math.random() * (b - a)) * 100) / 100).toFixed(2);
    }
    case 'randint': {
      want(2);
      const [a, b] = args;
      if (!Number.isInteger(a) || !Number.isInteger(b) || b < a)
        throw new TemplateError(`${raw}: two integers, the second not smaller`);
      return () => String(a + Math.floor(Math.random() * (b - a + 1)));
    }
    default:
      throw new TemplateError(`unknown field ${raw} (known: seq, rand A B, randint A B, now, device)`);
  }
}

export function compileTemplate(text: string): PayloadTemplate {
  const parts: Part[] = [];
  let at = 0;
  for (const m of text.matchAll(FIELD)) {
    parts.push(text.slice(at, m.index));
    const args = m[2].trim() === '' ? [] : m[2].trim().split(/\s+/).map(Number);
    parts.push(field(m[1], args, m[0]));
    at = m.index! + m[0].length;
  }
  parts.push(text.slice(at));
  if (/\{\{|\}\}/.test(parts.filter((p) => typeof p === 'string').join('')))
    throw new TemplateError('a {{ or }} that is not a known field');
  const render = (m: MessageContext) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(m);
    return out;
  };
  // The platform wants a JSON object of attributes: check a sample now rather than at every message.
  let attrs: unknown;
  try {
    attrs = JSON.parse(render({ seq: 1, device: 'abc123', now: Date.now() }));
  } catch (err) {
    throw new TemplateError(`a rendered message is not JSON: ${(err as Error).message}`);
  }
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs) || Object.keys(attrs).length === 0) {
    throw new TemplateError('a rendered message must be a JSON object with at least one attribute');
  }
  const seqAttr = (/"([^"\\]+)"\s*:\s*\{\{\s*seq\s*\}\}/.exec(text) ?? [])[1] ?? null;
  const nowAttr = (/"([^"\\]+)"\s*:\s*\{\{\s*now\s*\}\}/.exec(text) ?? [])[1] ?? null;
  return { render, seqAttr, nowAttr, attrs: attrs as Record<string, unknown> };
}
