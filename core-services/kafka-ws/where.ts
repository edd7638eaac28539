// dojot's `where` filter (§6.2 of docs/dojot-compatibility.md): zero or more conditions, each ended by ';':
//   <selector>=[<op>:]<value>[,<value>...];     e.g.  attrs.temp=gte:20;metadata.deviceid=in:ab,cd;
// selector: [A-Za-z0-9 _-] and '.' for nesting, applied to the flattened message. Values may be
// double-quoted to hold ',' or ';'; inside quotes '\' escapes \b \f \n \r \t, any other letter is
// an error (4002) and any other character stands for itself.
import { CLOSE, FilterError } from './close-codes.js';

export type Operator = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'bool';
export interface Condition {
  selector: string;
  op: Operator;
  values: string[];
}

const OPERATORS: Operator[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'bool'];
const NUMERIC: Operator[] = ['gt', 'gte', 'lt', 'lte'];
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const SELECTOR = /^[A-Za-z0-9 _.-]+$/;

export function parseWhere(text: string): Condition[] {
  const out: Condition[] = [];
  let i = 0;
  const syntax = (what: string): never => {
    throw new FilterError(CLOSE.INVALID_SYNTAX, `invalid syntax: ${what} at position ${i}`);
  };
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) syntax('expected "="');
    const selector = text.slice(i, eq);
    if (!SELECTOR.test(selector) || selector.startsWith('.') || selector.endsWith('.'))
      syntax(`bad selector "${selector}"`);
    i = eq + 1;
    let op: Operator = 'eq';
    const opMatch = /^([A-Za-z]+):/.exec(text.slice(i));
    if (opMatch) {
      if (!OPERATORS.includes(opMatch[1] as Operator))
        throw new FilterError(CLOSE.INVALID_OPERATOR, `invalid operator '${opMatch[1]}'`);
      op = opMatch[1] as Operator;
      i += opMatch[0].length;
    }
    const values: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          if (i >= text.length) syntax('unterminated quote');
          const c = text[i++];
          if (c === '"') break;
          if (c !== '\\') {
            value += c;
            continue;
          }
          if (i >= text.length) syntax('unterminated escape');
          const e = text[i++];
          if (/[A-Za-z]/.test(e)) {
            if (!(e in ESCAPES)) throw new FilterError(CLOSE.INVALID_ESCAPE, `invalid escape value \\${e}`);
            value += ESCAPES[e];
          } else value += e;
        }
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== ';') {
          if (text[i] === '"') syntax('quote inside an unquoted value');
          value += text[i++];
        }
      }
      values.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ';') {
        i++;
        break;
      }
      syntax('expected ";" at the end of a condition');
    }
    out.push(checked({ selector, op, values }));
  }
  return out;
}

function checked(c: Condition): Condition {
  const single = c.op !== 'in' && c.op !== 'nin';
  if (single && c.values.length !== 1)
    throw new FilterError(CLOSE.INVALID_ARITY, `invalid arity ${c.values.length} for '${c.op}'`);
  for (const v of c.values) {
    if (NUMERIC.includes(c.op) && (v.trim() === '' || !Number.isFinite(Number(v))))
      throw new FilterError(CLOSE.INVALID_VALUE, `invalid value ${v} for operator '${c.op}'`);
    if (c.op === 'bool' && v !== 'true' && v !== 'false')
      throw new FilterError(CLOSE.INVALID_VALUE, `invalid value ${v} for operator '${c.op}'`);
  }
  return c;
}

/** {"a":{"b":1}} → {"a.b":1}; arrays are leaves (matched on their string form). */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = value;
  return out;
}

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function holds(c: Condition, field: unknown): boolean {
  if (field === undefined) return false;
  const [first] = c.values;
  switch (c.op) {
    case 'eq':
      return asText(field) === first;
    case 'neq':
      return asText(field) !== first;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (
        typeof field !== 'number' &&
        !(typeof field === 'string' && field.trim() !== '' && Number.isFinite(Number(field)))
      )
        return false;
      const a = Number(field);
      const b = Number(first);
      return c.op === 'gt' ? a > b : c.op === 'gte' ? a >= b : c.op === 'lt' ? a < b : a <= b;
    }
    // dojot matched each value as a regex; we match it as a literal substring, which gives the same
    // answer for plain values and lets no client run a catastrophic regex on the server.
    case 'in':
      return c.values.some((v) => asText(field).includes(v));
    case 'nin':
      return !c.values.some((v) => asText(field).includes(v));
    case 'bool':
      return field === (first === 'true') || asText(field) === first;
  }
}

/** True when the message meets every condition. */
export function matches(conditions: Condition[], message: unknown): boolean {
  if (conditions.length === 0) return true;
  const flat = flatten(message);
  return conditions.every((c) => holds(c, flat[c.selector]));
}
