// Validation of dojot's job spec (§8 of docs/dojot-compatibility.md). Returns a normalised copy or throws a
// cron error naming the field. The cron expression is checked by the same library that runs it.
import { Cron } from 'croner';
import type { CronJobSpec } from './client.js';
import { cronError } from './errors.js';

/** dojot's limits (§8). */
const NAME_MAX = 128;
const DESCRIPTION_MAX = 1024;
const BROKER_MESSAGE_MAX_CHARS = 8192;
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
/** Only these subjects may be published to (dojot's BROKER_ALLOWED_SUBJECTS). */
export const BROKER_SUBJECTS = ['dojot.device-manager.device', 'device-data'];

/** 5 fields, or 6 with seconds first; an IANA zone (UTC by default). */
export function parseSchedule(time: string, timezone: string): Cron {
  return new Cron(time, { paused: true, mode: '5-or-6-parts', timezone });
}

export interface SpecPolicy {
  /** Base URLs an http action may target (origin plus optional path prefix). */
  allowedBaseUrls(): string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True when `url` has the origin of one of `bases` and starts with its path. */
export function urlAllowed(url: string, bases: string[]): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return bases.some((b) => {
    const base = new URL(b);
    const prefix = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return (
      u.origin === base.origin &&
      (u.pathname === base.pathname || u.pathname.startsWith(prefix) || base.pathname === '/')
    );
  });
}

export function validateSpec(input: unknown, policy: SpecPolicy): CronJobSpec {
  if (!isObject(input)) throw cronError('CRON_INVALID_SPEC');
  if ('jscode' in input) throw cronError('CRON_JSCODE_UNSUPPORTED');
  const { time, timezone = 'UTC', name, description, http, broker } = input;
  if (typeof time !== 'string' || !time.trim())
    throw cronError('CRON_INVALID_TIME', { problem: 'a cron expression is required' });
  if (typeof timezone !== 'string' || !timezone)
    throw cronError('CRON_INVALID_TIMEZONE', { problem: 'must be an IANA time zone name' });
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw cronError('CRON_INVALID_TIMEZONE', { problem: `unknown time zone "${timezone}"` });
  }
  try {
    parseSchedule(time, timezone);
  } catch (err) {
    throw cronError('CRON_INVALID_TIME', { problem: (err as Error).message.replace(/^CronPattern: /, '') });
  }
  const out: CronJobSpec = { time, timezone };
  if (name !== undefined) {
    if (typeof name !== 'string' || name.length > NAME_MAX)
      throw cronError('CRON_INVALID_NAME', { problem: `must be a string of at most ${NAME_MAX} characters` });
    out.name = name;
  }
  if (description !== undefined) {
    if (typeof description !== 'string' || description.length > DESCRIPTION_MAX) {
      throw cronError('CRON_INVALID_DESCRIPTION', {
        problem: `must be a string of at most ${DESCRIPTION_MAX} characters`,
      });
    }
    out.description = description;
  }
  if ((http === undefined) === (broker === undefined)) throw cronError('CRON_INVALID_ACTION');
  if (http !== undefined) out.http = validateHttp(http, policy);
  else out.broker = validateBroker(broker);
  return out;
}

function validateHttp(http: unknown, policy: SpecPolicy): NonNullable<CronJobSpec['http']> {
  const bad = (field: string, problem: string) => cronError('CRON_INVALID_HTTP', { field, problem });
  if (!isObject(http)) throw bad('method', 'http must be an object');
  const { method, url, headers, body, criterion, sregex, fregex } = http;
  if (typeof method !== 'string' || !HTTP_METHODS.includes(method.toUpperCase()))
    throw bad('method', `must be one of ${HTTP_METHODS.join(', ')}`);
  const bases = policy.allowedBaseUrls();
  if (typeof url !== 'string' || !urlAllowed(url, bases))
    throw bad('url', `must start with an allowed base URL (${bases.join(', ')})`);
  const out: NonNullable<CronJobSpec['http']> = { method: method.toUpperCase(), url };
  if (headers !== undefined) {
    if (!isObject(headers) || Object.values(headers).some((v) => typeof v !== 'string'))
      throw bad('headers', 'must be an object of strings');
    out.headers = headers as Record<string, string>;
  }
  if (body !== undefined) out.body = body;
  if (criterion !== undefined) {
    if (criterion !== 1 && criterion !== 2 && criterion !== 3) throw bad('criterion', 'must be 1, 2 or 3');
    out.criterion = criterion;
  }
  for (const [field, value] of [
    ['sregex', sregex],
    ['fregex', fregex],
  ] as const) {
    if (value === undefined) continue;
    try {
      if (typeof value !== 'string') throw new Error();
      new RegExp(value);
    } catch {
      throw bad(field, 'must be a valid regular expression');
    }
    out[field] = value;
  }
  return out;
}

function validateBroker(broker: unknown): NonNullable<CronJobSpec['broker']> {
  const bad = (field: string, problem: string) => cronError('CRON_INVALID_BROKER', { field, problem });
  if (!isObject(broker)) throw bad('subject', 'broker must be an object');
  const { subject, message } = broker;
  if (typeof subject !== 'string' || !BROKER_SUBJECTS.includes(subject))
    throw bad('subject', `must be one of ${BROKER_SUBJECTS.join(', ')}`);
  if (message === undefined || message === null) throw bad('message', 'is required');
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  if (text.length > BROKER_MESSAGE_MAX_CHARS)
    throw bad('message', `must be at most ${BROKER_MESSAGE_MAX_CHARS} characters`);
  return { subject, message };
}
