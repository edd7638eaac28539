// dojot's http node (§5.3): a request built from the config and the message, and the response
// written back as {statusCode, headers, responseUrl, payload}.
import { getPath } from '../_shared/msg.js';
import type { Msg } from '../_shared/red.js';
import type { HttpConfig } from './config.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Fills `{{path}}` (or `{{{path}}}`) with values of msg; missing values become ''. */
export function renderUrl(template: string, msg: Msg): string {
  return template.replace(/\{\{\{?\s*([^{}]+?)\s*\}?\}\}/g, (_m, path: string) => {
    const v = getPath(msg, path);
    return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

export function buildRequest(cfg: HttpConfig, msg: Msg): HttpRequest | Error {
  const method = cfg.method === 'use' ? msg.method : cfg.method;
  if (typeof method !== 'string' || !/^(GET|POST|PUT|DELETE|PATCH|HEAD)$/i.test(method))
    return new Error(`msg.method must be an HTTP method (got ${JSON.stringify(method)})`);
  const url = renderUrl(cfg.url, msg);
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      return new Error(`url must be http or https (got ${u.protocol})`);
  } catch {
    return new Error(`url is not a URL: ${url}`);
  }
  const req: HttpRequest = { method: method.toUpperCase(), url, headers: {} };
  if (!cfg.body) return req;
  let body = getPath(msg, cfg.body);
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return new Error(`${cfg.body} must hold a JSON string {headers?, payload?}`);
    }
  }
  if (body === undefined || body === null) return req;
  if (typeof body !== 'object' || Array.isArray(body)) return new Error(`${cfg.body} must hold {headers?, payload?}`);
  const { headers, payload } = body as { headers?: unknown; payload?: unknown };
  if (headers !== undefined && (headers === null || typeof headers !== 'object'))
    return new Error(`${cfg.body}.headers must be an object`);
  for (const [k, v] of Object.entries((headers ?? {}) as Record<string, unknown>))
    req.headers[k.toLowerCase()] = String(v);
  if (payload !== undefined && req.method !== 'GET' && req.method !== 'HEAD') {
    req.body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (typeof payload !== 'string' && !req.headers['content-type']) req.headers['content-type'] = 'application/json';
  }
  return req;
}

/** The payload as the config asks: text, a Buffer, or parsed JSON (text when it does not parse). */
export function responsePayload(ret: HttpConfig['ret'], bytes: Buffer): unknown {
  if (ret === 'bin') return bytes;
  const text = bytes.toString('utf8');
  if (ret === 'txt') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
