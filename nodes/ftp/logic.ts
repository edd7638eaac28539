// What to upload: a file name and its bytes, from the message. A string content is decoded with
// the configured encoding (base64 text becomes its bytes); a Buffer is sent as it is.
import { getPath } from '../_shared/msg.js';
import type { Msg } from '../_shared/red.js';
import type { FtpConfig } from './config.js';

export interface Upload {
  /** Remote path: the configured folder plus the file name. */
  path: string;
  bytes: Buffer;
}

export function uploadOf(cfg: FtpConfig, msg: Msg): Upload | Error {
  const name = getPath(msg, cfg.filename);
  if (typeof name !== 'string' || !name.trim()) return new Error(`${cfg.filename} must hold a file name`);
  if (name.includes('/') || name.includes('\\') || name === '..' || name === '.')
    return new Error(`${cfg.filename} must be a plain file name (got "${name}")`);
  const content = getPath(msg, cfg.filecontent);
  let bytes: Buffer;
  if (Buffer.isBuffer(content)) bytes = content;
  else if (typeof content === 'string') bytes = Buffer.from(content, cfg.fileencoding);
  else return new Error(`${cfg.filecontent} must hold the file content (a string or a Buffer)`);
  return { path: cfg.dir ? `${cfg.dir.replace(/\/+$/, '')}/${name}` : name, bytes };
}
