// Uploads one file to a tenant's FTP server with basic-ftp, retrying with exponential back-off.
// Every failed attempt is logged and recorded with its reason; the last one says it gave up.
import { transientError } from '../platform/bus/index.js';
import { Readable } from 'node:stream';
import { Client } from 'basic-ftp';
import type { Logger } from '../platform/log.js';
import type { FtpFile } from './message.js';
import type { Failure, FtpTarget } from './store.js';

/** One FTP session may not hang an upload forever, ms. */
const FTP_TIMEOUT_MS = 15_000;

export interface RetryPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
}

/** Uploads once; aborting `signal` cuts the session (a server that hangs does not hold a stop). */
export async function uploadOnce(target: FtpTarget, file: FtpFile, signal?: AbortSignal): Promise<void> {
  const client = new Client(FTP_TIMEOUT_MS);
  const cut = () => client.close();
  signal?.addEventListener('abort', cut, { once: true });
  try {
    await client.access({
      host: target.host,
      port: target.port,
      user: target.username,
      password: target.password,
      secure: target.secure,
    });
    if (target.directory && target.directory !== '/') await client.ensureDir(target.directory);
    await client.uploadFrom(Readable.from(file.content), file.filename);
  } finally {
    signal?.removeEventListener('abort', cut);
    client.close();
  }
}

const reasonOf = (err: unknown) => {
  const e = err as { code?: unknown; message?: unknown };
  return [e?.code, e?.message].filter((x) => x !== undefined && x !== '').join(': ') || String(err);
};

/**
 * Tries the upload 1 + retries times. `target()` is read again before each attempt, so a tenant
 * who fixes its configuration meanwhile is picked up. Resolves true once uploaded.
 */
export async function uploadWithRetries(
  tenant: string,
  file: FtpFile,
  target: () => Promise<FtpTarget | null>,
  policy: RetryPolicy,
  record: (f: Failure) => Promise<void>,
  log: Logger,
  /** Aborted when the platform stops: the file is left on the bus for redelivery, not given up. */
  signal: AbortSignal,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    // Transient: the bus redelivers the file later rather than setting it aside as a dead letter.
    if (signal.aborted) throw transientError('kafka2ftp is stopping');
    let reason: string;
    const t = await target();
    if (!t) reason = 'no FTP server is configured for this tenant (PUT /kafka2ftp/v1/config)';
    else {
      try {
        await uploadOnce(t, file, signal);
        if (attempt > 1) log.info({ tenant, filename: file.filename, attempt }, 'kafka2ftp: uploaded after retries');
        return true;
      } catch (err) {
        if (signal.aborted) throw transientError('kafka2ftp is stopping');
        reason = `upload to ${t.host}:${t.port} failed: ${reasonOf(err)}`;
      }
    }
    const final = attempt > policy.retries;
    log[final ? 'error' : 'warn'](
      { tenant, filename: file.filename, attempt, reason },
      final ? 'kafka2ftp: gave up a file' : 'kafka2ftp: upload failed, will retry',
    );
    await record({ at: Date.now(), filename: file.filename, attempts: attempt, final, reason }).catch((err: unknown) =>
      log.error({ err }, 'kafka2ftp: could not record a failure'),
    );
    if (final) return false;
    // The back-off (this tenant's alone: each tenant has a lane of its own, lanes.ts).
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1)));
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
