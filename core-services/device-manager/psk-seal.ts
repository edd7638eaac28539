// Sealing of device pre-shared keys at rest: AES-256-GCM under one platform key, with the row
// (tenant, device, attribute) as additional data so a sealed value only opens where it was
// written. The platform key is made on first start and kept in the store's settings, like the
// token secret and the CA key: rows of dm_psk read on their own (a table dump, a replica of the
// device tables, a stray query) give no key; someone holding the whole database has both.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Sql } from '../platform/store/index.js';

const SETTING = 'device-manager.psk-key';
const VERSION = 'v1';

export interface PskRow {
  tenant: string;
  device: string;
  attrId: number;
}

const aad = (r: PskRow) => Buffer.from(`${r.tenant}\u0000${r.device}\u0000${r.attrId}`);

/** Reads the platform's PSK key, making it on first use (insert-if-absent: instances agree). */
export async function loadPskKey(db: Sql): Promise<Buffer> {
  await db.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
    SETTING,
    randomBytes(32).toString('base64'),
  ]);
  const [row] = await db.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [SETTING]);
  const key = Buffer.from(row.value, 'base64');
  if (key.length !== 32) throw new Error(`settings ${SETTING} does not hold a 32-byte key`);
  return key;
}

export function seal(key: Buffer, row: PskRow, psk: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(row));
  const body = Buffer.concat([cipher.update(psk), cipher.final()]);
  return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
}

/** Opens a sealed key; throws when it was sealed under another key or for another row. */
export function open(key: Buffer, row: PskRow, sealed: string): Buffer {
  const [version, iv, tag, body] = sealed.split(':');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('not a sealed PSK');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
  decipher.setAAD(aad(row));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]);
}
