import { ConfigError, pathField, str } from '../_shared/config-error.js';
import { ENCODINGS } from '../_shared/encodings.js';

/** The keys of dojot's `publish-ftp` (§5.3). */
export const KEYS = ['name', 'filename', 'filecontent', 'encode'] as const;

export interface PublishFtpConfig {
  filename: string;
  filecontent: string;
  encode: BufferEncoding;
}

export function parse(def: Record<string, unknown>): PublishFtpConfig {
  const encode = str(def, 'encode').trim() || 'base64';
  if (!(ENCODINGS as readonly string[]).includes(encode))
    throw new ConfigError('encode', `must be one of ${ENCODINGS.join(', ')} (got "${encode}")`);
  return {
    filename: pathField(def, 'filename'),
    filecontent: pathField(def, 'filecontent'),
    encode: encode as BufferEncoding,
  };
}
