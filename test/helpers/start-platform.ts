// Starts the real platform in this process on free ports with a fresh data directory.
// DOJOT_TEST_MODE=services runs it against the real engines named by DOJOT_TEST_KAFKA_BROKERS,
// DOJOT_TEST_POSTGRES_URL and DOJOT_TEST_REDIS_URL instead of the embedded ones. Each test
// platform is then a deployment of its own on those shared engines: a fresh PostgreSQL schema
// (dropped on close), its own Redis key prefix and its own Kafka consumer-group prefix, so it
// never reads rows, keys or offsets of an earlier one. Topics (`admin.device-data`, ...) are
// shared; a fresh group starts at their end, so earlier platforms' messages are not seen.
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../core-services/platform/config.js';
import { createLogger, type Logger } from '../../core-services/platform/log.js';
import { startPlatform, type RunningPlatform } from '../../bin/platform.js';
import { SERVICE_ENV, kafkaTlsEnv, type ServiceName } from './services.js';
import { refuseInUnitMode } from './unit-guard.js';

/** Longest a test request may wait for its answer, ms. */
const API_TIMEOUT_MS = 20_000;

export interface TestPlatform extends RunningPlatform {
  /** POST /auth → jwt */
  login(username?: string, passwd?: string): Promise<string>;
  /** fetch against the platform with a token; JSON in, {status, body} out. */
  api(token: string | null, method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
  dataDir: string;
}

/** True when the scenarios run against Kafka, PostgreSQL and Redis (`npm run test:services`). */
export function servicesMode(): boolean {
  return process.env.DOJOT_TEST_MODE === 'services';
}

/** Where a service is (DOJOT_TEST_*); throws naming the variable when it is unset. */
export function serviceAddress(name: ServiceName): string {
  const { variable, example } = SERVICE_ENV[name];
  const where = process.env[variable]?.trim();
  if (!where) throw new Error(`DOJOT_TEST_MODE=services needs ${variable} (e.g. ${example})`);
  return where;
}

/** One deployment on the shared engines: the DOJOT_* settings its instances share, and its clean-up. */
export interface ServiceDeployment {
  env: Record<string, string>;
  /** The PostgreSQL schema holding its tables. */
  schema: string;
  /** Drops its schema and Redis keys (its Kafka groups are left to expire). */
  drop(): Promise<void>;
}

/**
 * Makes a fresh deployment on the engines of DOJOT_TEST_*: creates a schema `t_<random>` and
 * returns settings for instances that share it (same schema, key prefix and group prefix).
 */
/** Uids per test platform (or deployment) for its tenant runtimes. */
const TEST_UID_BLOCK = 1_000;

/**
 * A uid range of its own for each test platform (or deployment, whose instances share it): its
 * runtimes' uids and its netfilter chain (docs/sandbox.md) are then never another platform's,
 * even with several running at once on this host.
 */
export function testUidRange(): string {
  const first = 300_000 + randomInt(0, 1_700) * TEST_UID_BLOCK;
  return `${first}-${first + TEST_UID_BLOCK - 1}`;
}

export async function createServiceDeployment(): Promise<ServiceDeployment> {
  const id = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const pgUrl = serviceAddress('postgres');
  const redisUrl = serviceAddress('redis');
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${id}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${id}`);
  const keyPrefix = `dojot-test:${id}:`;
  return {
    schema: id,
    env: {
      DOJOT_KAFKA_BROKERS: serviceAddress('kafka'),
      DOJOT_KAFKA_GROUP_PREFIX: `${id}.`,
      // The test broker authenticates clients (scripts/kafka-local.sh): the platform's certificate and the tenant CA.
      ...kafkaTlsEnv(),
      DOJOT_POSTGRES_URL: url.toString(),
      DOJOT_REDIS_URL: redisUrl,
      DOJOT_REDIS_KEY_PREFIX: keyPrefix,
      DOJOT_RUNTIME_UIDS: testUidRange(),
    },
    async drop() {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${id} CASCADE`);
      } finally {
        await c.end();
      }
      const { Redis } = await import('ioredis');
      const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await r.connect();
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
          cursor = next;
          if (keys.length) await r.del(...keys);
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
    },
  };
}

/**
 * Deployments of platforms started on a caller's data directory: a restart on the same directory
 * must find the same data, so they outlive close() and are dropped by dropKeptDeployments().
 */
const kept = new Map<string, Promise<ServiceDeployment>>();

/** Drops the deployments kept for callers' data directories (the services-mode root hook calls it). */
export async function dropKeptDeployments(): Promise<void> {
  const all = [...kept.values()];
  kept.clear();
  for (const d of all) await (await d).drop().catch(() => {});
}

export async function startTestPlatform(
  env: Record<string, string> = {},
  opts: {
    dataDir?: string;
    keepData?: boolean;
    /** the platform's logger (a test reading log lines) */ log?: Logger;
  } = {},
): Promise<TestPlatform> {
  refuseInUnitMode('startTestPlatform');
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'dojot-red-test-'));
  // In services mode a platform that is not handed a deployment (env naming the engines) gets its own.
  let deployment: ServiceDeployment | undefined;
  let ownDeployment = false;
  if (servicesMode() && !env.DOJOT_POSTGRES_URL) {
    if (opts.dataDir) {
      if (!kept.has(opts.dataDir)) kept.set(opts.dataDir, createServiceDeployment());
      deployment = await kept.get(opts.dataDir)!;
    } else {
      deployment = await createServiceDeployment();
      ownDeployment = true;
    }
  }
  let platform: RunningPlatform;
  try {
    const config = loadConfig({
      DOJOT_HTTP_PORT: '0',
      DOJOT_HTTP_HOST: '127.0.0.1',
      DOJOT_MQTT_PORT: '0',
      // MQTTS too: a fixed 8883 would collide between test files and with a running platform.
      DOJOT_MQTTS_PORT: '0',
      DOJOT_MQTT_HOST: '127.0.0.1',
      DOJOT_DATA_DIR: dataDir,
      DOJOT_LOG_LEVEL: process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent',
      // Tests store readings of any age; the purge has tests of its own (test/history-retention.test.ts).
      DOJOT_HISTORY_RETENTION_SECONDS: '0',
      DOJOT_RUNTIME_UIDS: testUidRange(),
      // DOJOT_TEST_MQTT_WORKERS runs a file's platforms with MQTT in worker processes.
      ...(process.env.DOJOT_TEST_MQTT_WORKERS ? { DOJOT_MQTT_WORKERS: process.env.DOJOT_TEST_MQTT_WORKERS } : {}),
      ...deployment?.env,
      ...env,
    });
    platform = await startPlatform(config, opts.log ?? createLogger(config.logLevel));
  } catch (err) {
    if (ownDeployment) await deployment!.drop().catch(() => {});
    throw err;
  }
  const api: TestPlatform['api'] = async (token, method, url, body) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    // A bounded wait: a request that never gets an answer reads as status 0, so polling retries it.
    let res: Response;
    try {
      res = await fetch(platform.httpUrl + url, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(API_TIMEOUT_MS),
      });
    } catch (err) {
      return { status: 0, body: { error: `no answer: ${(err as Error).message}` } };
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  };
  const login = async (username = 'admin', passwd = 'admin') => {
    const res = await api(null, 'POST', '/auth', { username, passwd });
    if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.jwt as string;
  };
  return {
    ...platform,
    dataDir,
    login,
    api,
    close: async () => {
      await platform.close();
      if (ownDeployment)
        await deployment!
          .drop()
          .catch((err) =>
            process.stderr.write(`could not drop test deployment ${deployment!.schema}: ${(err as Error).message}\n`),
          );
      if (!opts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
