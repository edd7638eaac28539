// A runtime's own Kafka credentials (runtime/supervisor/kafka-tenant-access.ts): asked of the
// supervisor over IPC rather than passed at launch, so the key never shows in the process's
// arguments, and renewed before the short-lived certificate ends. kafkajs reads the TLS options
// object at each new connection, so the renewed certificate is used from the next one on; open
// connections keep going (TLS checks a certificate only at the handshake).
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { Logger } from '../../core-services/platform/log.js';
import type { TenantSide } from '../supervisor/ipc.js';

/** After a failed renewal, the next try waits this long, ms. */
const RENEW_RETRY_MS = 60_000;
/** Renewal happens when this share of the certificate's remaining life is left. */
const RENEW_AT_REMAINING = 0.5;

export interface TenantKafkaTls {
  /** The TLS options for kafkajs, updated in place on renewal; undefined: PLAINTEXT (no credentials issued). */
  ssl?: TlsOptions;
  stop(): void;
}

export async function tenantKafkaTls(ipc: TenantSide, log: Logger): Promise<TenantKafkaTls> {
  const first = await ipc.request('kafka.credentials');
  if (!first) return { stop: () => {} };
  const ssl: TlsOptions = {};
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const apply = (c: NonNullable<typeof first>) => {
    if (c.ca) ssl.ca = c.ca;
    ssl.cert = c.cert;
    ssl.key = c.key;
    schedule(Math.max(1_000, (c.notAfter - Date.now()) * RENEW_AT_REMAINING));
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void renew(), Math.min(ms, 2 ** 31 - 1));
    timer.unref();
  };
  const renew = async () => {
    try {
      const next = await ipc.request('kafka.credentials');
      if (next) apply(next);
    } catch (err) {
      log.warn({ err }, `kafka: renewing this runtime's certificate failed; trying again in ${RENEW_RETRY_MS} ms`);
      schedule(RENEW_RETRY_MS);
    }
  };
  apply(first);
  return {
    ssl,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
