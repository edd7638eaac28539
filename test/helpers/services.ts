// External services for the adapter tests (Kafka, PostgreSQL, Redis). Each test suite that needs
// one calls `requireService.call(this, name)` in a `before` hook: it returns where the service is,
// or skips the suite with a loud line on stderr. In CI (CI=true) a missing service fails instead:
// a skipped services test must never pass silently there.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { Redis } from 'ioredis';
import { refuseInUnitMode } from './unit-guard.js';

export type ServiceName = 'kafka' | 'postgres' | 'redis';

/** The variable naming each service, and an example value. */
export const SERVICE_ENV: Record<ServiceName, { variable: string; example: string }> = {
  kafka: { variable: 'DOJOT_TEST_KAFKA_BROKERS', example: '127.0.0.1:9092' },
  postgres: { variable: 'DOJOT_TEST_POSTGRES_URL', example: 'postgres://postgres@127.0.0.1:5432/test' },
  redis: { variable: 'DOJOT_TEST_REDIS_URL', example: 'redis://127.0.0.1:6379' },
};

/**
 * The Kafka broker's TLS settings for tests: scripts/kafka-local.sh (mutual TLS, the default)
 * writes them to run-<port>/test.env, which .ci/run exports. Each maps to the platform's
 * DOJOT_KAFKA_* setting of the same name. The SSL cert is the platform's own (a super user); the
 * tenant CA signs each tenant runtime's certificate.
 */
export const KAFKA_TLS_ENV = [
  'DOJOT_TEST_KAFKA_SSL_CA_FILE',
  'DOJOT_TEST_KAFKA_SSL_CERT_FILE',
  'DOJOT_TEST_KAFKA_SSL_KEY_FILE',
  'DOJOT_TEST_KAFKA_TENANT_CA_CERT_FILE',
  'DOJOT_TEST_KAFKA_TENANT_CA_KEY_FILE',
] as const;

/** The DOJOT_KAFKA_* TLS settings a test platform needs for the test broker (empty: PLAINTEXT). */
export function kafkaTlsEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of KAFKA_TLS_ENV) {
    const v = process.env[name]?.trim();
    if (v) env[name.replace('DOJOT_TEST_KAFKA_', 'DOJOT_KAFKA_')] = v;
  }
  return env;
}

/** TLS options for a test's own kafkajs client, as the platform (a super user); undefined: PLAINTEXT. */
export function kafkaTestTls(): TlsOptions | undefined {
  const file = (name: string) =>
    process.env[name]?.trim() ? readFileSync(process.env[name]!.trim(), 'utf8') : undefined;
  const ca = file('DOJOT_TEST_KAFKA_SSL_CA_FILE');
  const cert = file('DOJOT_TEST_KAFKA_SSL_CERT_FILE');
  if (!ca && !cert) return undefined;
  return { ca, cert, key: file('DOJOT_TEST_KAFKA_SSL_KEY_FILE') };
}

/** How long the reachability check may take, ms. */
const PROBE_TIMEOUT_MS = 3_000;

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${PROBE_TIMEOUT_MS} ms`)),
      PROBE_TIMEOUT_MS,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves if a TCP connection to host:port opens (a cheap first check with a clear error). */
function tcpOpen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
  });
}

const PROBES: Record<ServiceName, (where: string) => Promise<void>> = {
  async kafka(brokers) {
    const list = brokers
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    const [host, port] = [
      list[0].slice(0, list[0].lastIndexOf(':')),
      Number(list[0].slice(list[0].lastIndexOf(':') + 1)),
    ];
    await tcpOpen(host, port);
    const ssl = kafkaTestTls();
    const admin = new Kafka({
      brokers: list,
      ...(ssl ? { ssl } : {}),
      clientId: 'dojot-red-test-probe',
      logLevel: logLevel.NOTHING,
      connectionTimeout: PROBE_TIMEOUT_MS,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
  async postgres(url) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  },
  async redis(url) {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: PROBE_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    let cause: Error | undefined;
    client.on('error', (err: Error) => (cause = err)); // connect() only says "Connection is closed"
    try {
      await client.connect();
      await client.ping();
    } catch (err) {
      throw cause ?? err;
    } finally {
      client.disconnect();
    }
  },
};

/**
 * For a mocha `before` hook: `const url = await requireService.call(this, 'postgres')`.
 * Returns the service's address from DOJOT_TEST_*; if it is unset or unreachable, fails the hook
 * when CI=true, and otherwise prints `SKIPPED: ...` to stderr and skips the suite.
 */
export async function requireService(this: Mocha.Context, name: ServiceName): Promise<string> {
  refuseInUnitMode(`requireService('${name}')`);
  const { variable, example } = SERVICE_ENV[name];
  const where = process.env[variable]?.trim();
  let reason: string | undefined;
  if (!where) {
    reason = `${variable} is not set`;
  } else {
    try {
      await withTimeout(PROBES[name](where), `${name} at ${where}`);
    } catch (err) {
      reason = `${name} at ${where} is not reachable: ${(err as Error).message}`;
    }
  }
  if (reason === undefined) return where as string;
  const suite = this.test?.parent?.fullTitle() || this.currentTest?.parent?.fullTitle() || 'a test suite';
  const line = `SKIPPED: ${suite} needs ${name}: set ${variable} (e.g. ${example}) (${reason})`;
  if (process.env.CI === 'true') throw new Error(`${line} — a skipped services test fails CI`);
  process.stderr.write(`\n*** ${line}\n\n`);
  this.skip();
}

/**
 * For a mocha `before` hook of a browser test: skips loudly when Debian's Chromium is missing
 * (`apt-get install chromium`), and fails the hook when CI=true.
 */
export function requireChromium(this: Mocha.Context, executable: string): void {
  if (existsSync(executable)) return;
  const suite = this.test?.parent?.fullTitle() || 'a browser test';
  const line = `SKIPPED: ${suite} needs Chromium at ${executable} (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`${line} — a skipped test fails CI`);
  process.stderr.write(`\n*** ${line}\n\n`);
  this.skip();
}

/**
 * For a mocha `before` hook of a test of Kafka's authorisation: the broker of DOJOT_TEST_KAFKA_*
 * must authenticate clients (scripts/kafka-local.sh does by default, and writes the settings).
 * Skips loudly when it does not, and fails the hook when CI=true.
 */
export function requireKafkaAuth(this: Mocha.Context): { tenantCaCert: string; tenantCaKey: string; tls: TlsOptions } {
  const tls = kafkaTestTls();
  const caFile = process.env.DOJOT_TEST_KAFKA_TENANT_CA_CERT_FILE?.trim();
  const keyFile = process.env.DOJOT_TEST_KAFKA_TENANT_CA_KEY_FILE?.trim();
  if (tls?.cert && caFile && keyFile)
    return { tenantCaCert: readFileSync(caFile, 'utf8'), tenantCaKey: readFileSync(keyFile, 'utf8'), tls };
  const suite = this.test?.parent?.fullTitle() || 'a test suite';
  const line = `SKIPPED: ${suite} needs a Kafka broker that authenticates clients: set ${KAFKA_TLS_ENV.join(', ')} (scripts/kafka-local.sh env prints them)`;
  if (process.env.CI === 'true') throw new Error(`${line} — a skipped test fails CI`);
  process.stderr.write(`\n*** ${line}\n\n`);
  this.skip();
}
