import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';
import { ENCODINGS } from '../_shared/encodings.js';

/** The keys of dojot's `ftp` (§5.3). */
export const KEYS = [
  'name',
  'method',
  'url',
  'username',
  'password',
  'filename',
  'filecontent',
  'fileencoding',
  'response',
] as const;

export interface FtpConfig {
  method: 'PUT';
  host: string;
  port: number;
  /** Remote folder the file goes into ('' = the login folder). */
  dir: string;
  username: string;
  password: string;
  filename: string;
  filecontent: string;
  fileencoding: BufferEncoding;
  response: string;
}

/** url: `ftp://host[:port][/dir]` or `host[:port]`. */
export function parse(def: Record<string, unknown>): FtpConfig {
  // dojot's ftp node only uploaded; its exports spell the method in several ways.
  oneOf(def, 'method', ['PUT', 'put', 'upload'] as const, 'PUT');
  const raw = str(def, 'url').trim();
  if (!raw) throw new ConfigError('url', 'is required');
  let u: URL;
  try {
    u = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `ftp://${raw}`);
  } catch {
    throw new ConfigError('url', `is not ftp://host[:port][/dir] (got "${raw}")`);
  }
  if (u.protocol !== 'ftp:') throw new ConfigError('url', `must be an ftp:// URL (got ${u.protocol})`);
  const fileencoding = str(def, 'fileencoding').trim() || 'utf8';
  if (!(ENCODINGS as readonly string[]).includes(fileencoding))
    throw new ConfigError('fileencoding', `must be one of ${ENCODINGS.join(', ')}`);
  return {
    method: 'PUT',
    host: u.hostname,
    port: u.port ? Number(u.port) : 21,
    dir: decodeURIComponent(u.pathname.replace(/^\/+/, '')),
    username: str(def, 'username') || 'anonymous',
    password: str(def, 'password'),
    filename: pathField(def, 'filename'),
    filecontent: pathField(def, 'filecontent'),
    fileencoding: fileencoding as BufferEncoding,
    response: str(def, 'response').trim() ? pathField(def, 'response') : '',
  };
}
