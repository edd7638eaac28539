// The only file that reads process.env. Every DOJOT_* variable is declared here once, with its
// default; a bad value stops start-up with a message that names the variable.
import path from 'node:path';

export interface Config {
  /** @default 8000 */ httpPort: number;
  /** @default '0.0.0.0' */ httpHost: string;
  /** @default 1883 */ mqttPort: number;
  /** @default '0.0.0.0' */ mqttHost: string;
  /** @default true — plain MQTT listener on mqttPort */ mqttInsecure: boolean;
  /** @default 8883 */ mqttsPort: number;
  /** @default ['localhost', '127.0.0.1', '::1'] — names (DNS or IP) in the MQTTS server certificate */ mqttsHostnames: string[];
  /** @default 3650 — lifetime of the CA certificate made on first start, days */ x509CaValidityDays: number;
  /** @default 365 — lifetime of a device certificate, days */ x509CertValidityDays: number;
  /** @default 24 — a CRL's next-update is this far after it is signed, hours */ x509CrlValidityHours: number;
  /** @default '' — PEM file of the CA certificate; empty means a CA made and kept in the store */ x509CaCertFile: string;
  /** @default '' — PEM file of the CA private key (given together with x509CaCertFile) */ x509CaKeyFile: string;
  /** @default './data' (resolved to an absolute path) */ dataDir: string;
  /** @default [] — empty means the in-process bus */ kafkaBrokers: string[];
  /** @default 4 — partitions of each topic the Kafka bus creates */ kafkaPartitions: number;
  /** @default 1 — replication factor of each topic the Kafka bus creates */ kafkaReplicationFactor: number;
  /** @default '' — put before every Kafka consumer group id (several deployments or test runs on one cluster) */ kafkaGroupPrefix: string;
  /** @default '' — empty means embedded PGlite under dataDir */ postgresUrl: string;
  /** @default 10 — connections in the PostgreSQL pool */ postgresPool: number;
  /** @default '' — empty means in-memory shared state */ redisUrl: string;
  /** @default 'dojot:' — put before every Redis key (several deployments or test runs on one Redis) */ redisKeyPrefix: string;
  /** @default 'info' */ logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** @default 3600 — lifetime of a platform JWT, seconds */ tokenTtlSeconds: number;
  /** @default 10 — failed logins for one user from one client address per minute before /auth answers 429 (the lock doubles each time) */ authFailuresPerUser: number;
  /** @default 30 — failed logins from one client address per minute before /auth answers 429 (the lock doubles each time) */ authFailuresPerAddress: number;
  /** @default 1048576 — largest accepted HTTP body, bytes */ httpBodyLimitBytes: number;
  /** @default 262144 — largest accepted MQTT payload, bytes */ mqttPayloadLimitBytes: number;
  /** @default 2000 — history rows written per batch at most */ historyBatchRows: number;
  /** @default 25 — longest a history row waits for its batch, ms */ historyFlushMs: number;
  /** @default 100 — saved states of each tenant's flows kept (GET /flows/v1/revisions) */ flowsRevisionsKept: number;
  /** @default 5242880 — largest accepted body on /flows/ routes (the API and the editor), bytes */ flowsBodyLimitBytes: number;
  /** @default 604800 — history and notifications older than this are deleted (dojot's HISTORY_DB_DATA_EXPIRATION, 7 days); 0 keeps them forever, s */ historyRetentionSeconds: number;
  /** @default 600 — how often expired history is deleted, s */ historyPurgeIntervalSeconds: number;
  /** @default 256 — V8 old-space cap of each tenant's flow runtime process, MB */ runtimeMaxOldSpaceMb: number;
  /** @default 5 — longest a function node may run synchronously before it is interrupted, s (0 = no limit) */ runtimeFunctionTimeoutSeconds: number;
  /** @default 10000 — a tenant runtime silent this long is killed and restarted, ms */ runtimeHeartbeatTimeoutMs: number;
  /** @default [] — extra folders of Node-RED nodes offered to every tenant (comma-separated paths) */ runtimeNodesDirs: string[];
  /** @default [] — base URLs a cron job's http action may target; empty means the platform itself */ cronHttpAllowedBaseUrls: string[];
  /** @default 10000 — how often cron re-reads jobs written by other instances, ms */ cronSyncMs: number;
  /** @default 60 — lifetime of a kafka-ws ticket, s */ kafkaWsTicketTtlSeconds: number;
  /** @default 7200 — a kafka-ws connection is closed (4408) after this long, s */ kafkaWsMaxLifetimeSeconds: number;
  /** @default false — close a kafka-ws connection when the token its ticket came from expires */ kafkaWsLifetimeFromToken: boolean;
  /** @default 1048576 — bytes a slow kafka-ws client may have queued before it is dropped */ kafkaWsMaxBufferBytes: number;
  /** @default 30000 — /health fails when a bus consumer has been on one batch, or its oldest waiting message, this long, ms */ healthConsumerStuckMs: number;
  /** @default 13 — uploads kafka2ftp retries after a failure */ kafka2ftpRetries: number;
  /** @default 1000 — first back-off of kafka2ftp, doubled after each failure, ms */ kafka2ftpRetryBaseMs: number;
  /** @default 60000 — longest back-off of kafka2ftp, ms */ kafka2ftpRetryMaxMs: number;
}

type Parser<T> = (raw: string) => T;

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const int = (min: number, max: number): Parser<number> => (raw) => {
  if (!/^\d+$/.test(raw.trim())) throw new Error(`expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new Error(`expected a value between ${min} and ${max}, got ${n}`);
  return n;
};
const port = int(0, 65535);
const bool: Parser<boolean> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new Error(`expected true or false, got "${raw}"`);
};
const text: Parser<string> = (raw) => raw.trim();
const url = (protocols: string[]): Parser<string> => (raw) => {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw new Error(`expected a URL (${protocols.join(' or ')}), got "${raw}"`);
  }
  if (!protocols.includes(parsed.protocol)) throw new Error(`expected a ${protocols.join(' or ')} URL, got "${raw}"`);
  return raw.trim();
};
const brokers: Parser<string[]> = (raw) => {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of list) {
    if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(b)) throw new Error(`expected host:port[,host:port...], got "${b}"`);
  }
  return list;
};
/** A comma-separated list of base URLs (each checked like url()). */
const urls = (protocols: string[]): Parser<string[]> => (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => url(protocols)(s));
const paths: Parser<string[]> = (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => path.resolve(s));
const hostnames: Parser<string[]> = (raw) => {
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('expected at least one host name');
  for (const h of list) if (!/^[A-Za-z0-9.\-:*]+$/.test(h)) throw new Error(`expected host names or IP addresses separated by commas, got "${h}"`);
  return list;
};
/** A prefix for Kafka group ids or Redis keys: printable, no spaces. */
const groupPrefix: Parser<string> = (raw) => {
  const v = raw.trim();
  if (!/^[A-Za-z0-9._:\-]{1,100}$/.test(v)) throw new Error(`expected up to 100 letters, digits or . _ : -, got "${raw}"`);
  return v;
};
const file: Parser<string> = (raw) => path.resolve(raw.trim());
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel: Parser<Config['logLevel']> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new Error(`expected one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return v as Config['logLevel'];
};

type Spec = { [K in keyof Config]: { env: string; parse: Parser<Config[K]>; default: Config[K] } };

/** The table of every setting; docs/configuration.md mirrors it (a test checks). */
export const CONFIG_SPEC: Spec = {
  httpPort: { env: 'DOJOT_HTTP_PORT', parse: port, default: 8000 },
  httpHost: { env: 'DOJOT_HTTP_HOST', parse: text, default: '0.0.0.0' },
  mqttPort: { env: 'DOJOT_MQTT_PORT', parse: port, default: 1883 },
  mqttHost: { env: 'DOJOT_MQTT_HOST', parse: text, default: '0.0.0.0' },
  mqttInsecure: { env: 'DOJOT_MQTT_INSECURE', parse: bool, default: true },
  mqttsPort: { env: 'DOJOT_MQTTS_PORT', parse: port, default: 8883 },
  mqttsHostnames: { env: 'DOJOT_MQTTS_HOSTNAMES', parse: hostnames, default: ['localhost', '127.0.0.1', '::1'] },
  x509CaValidityDays: { env: 'DOJOT_X509_CA_VALIDITY_DAYS', parse: int(1, 36_500), default: 3650 },
  x509CertValidityDays: { env: 'DOJOT_X509_CERT_VALIDITY_DAYS', parse: int(1, 36_500), default: 365 },
  x509CrlValidityHours: { env: 'DOJOT_X509_CRL_VALIDITY_HOURS', parse: int(1, 24 * 365), default: 24 },
  x509CaCertFile: { env: 'DOJOT_X509_CA_CERT_FILE', parse: file, default: '' },
  x509CaKeyFile: { env: 'DOJOT_X509_CA_KEY_FILE', parse: file, default: '' },
  dataDir: { env: 'DOJOT_DATA_DIR', parse: text, default: './data' },
  kafkaBrokers: { env: 'DOJOT_KAFKA_BROKERS', parse: brokers, default: [] },
  kafkaPartitions: { env: 'DOJOT_KAFKA_PARTITIONS', parse: int(1, 10_000), default: 4 },
  kafkaReplicationFactor: { env: 'DOJOT_KAFKA_REPLICATION_FACTOR', parse: int(1, 100), default: 1 },
  kafkaGroupPrefix: { env: 'DOJOT_KAFKA_GROUP_PREFIX', parse: groupPrefix, default: '' },
  postgresUrl: { env: 'DOJOT_POSTGRES_URL', parse: url(['postgres:', 'postgresql:']), default: '' },
  postgresPool: { env: 'DOJOT_POSTGRES_POOL', parse: int(1, 1000), default: 10 },
  redisUrl: { env: 'DOJOT_REDIS_URL', parse: url(['redis:', 'rediss:']), default: '' },
  redisKeyPrefix: { env: 'DOJOT_REDIS_KEY_PREFIX', parse: groupPrefix, default: 'dojot:' },
  logLevel: { env: 'DOJOT_LOG_LEVEL', parse: logLevel, default: 'info' },
  tokenTtlSeconds: { env: 'DOJOT_TOKEN_TTL', parse: int(10, 31 * 24 * 3600), default: 3600 },
  authFailuresPerUser: { env: 'DOJOT_AUTH_FAILURES_PER_USER', parse: int(1, 1_000_000), default: 10 },
  authFailuresPerAddress: { env: 'DOJOT_AUTH_FAILURES_PER_ADDRESS', parse: int(1, 1_000_000), default: 30 },
  httpBodyLimitBytes: { env: 'DOJOT_HTTP_BODY_LIMIT', parse: int(1024, 1024 ** 3), default: 1024 * 1024 },
  mqttPayloadLimitBytes: { env: 'DOJOT_MQTT_PAYLOAD_LIMIT', parse: int(16, 256 * 1024 * 1024), default: 256 * 1024 },
  historyBatchRows: { env: 'DOJOT_HISTORY_BATCH_ROWS', parse: int(1, 100_000), default: 2000 },
  historyFlushMs: { env: 'DOJOT_HISTORY_FLUSH_MS', parse: int(1, 60_000), default: 25 },
  flowsBodyLimitBytes: { env: 'DOJOT_FLOWS_BODY_LIMIT', parse: int(1024, 1024 ** 3), default: 5 * 1024 * 1024 },
  flowsRevisionsKept: { env: 'DOJOT_FLOWS_REVISIONS_KEPT', parse: int(1, 100_000), default: 100 },
  historyRetentionSeconds: { env: 'DOJOT_HISTORY_RETENTION_SECONDS', parse: int(0, 100 * 365 * 86_400), default: 604_800 },
  historyPurgeIntervalSeconds: { env: 'DOJOT_HISTORY_PURGE_INTERVAL_SECONDS', parse: int(1, 86_400), default: 600 },
  runtimeMaxOldSpaceMb: { env: 'DOJOT_RUNTIME_MAX_OLD_SPACE_MB', parse: int(64, 65_536), default: 256 },
  runtimeFunctionTimeoutSeconds: { env: 'DOJOT_RUNTIME_FUNCTION_TIMEOUT', parse: int(0, 3600), default: 5 },
  runtimeHeartbeatTimeoutMs: { env: 'DOJOT_RUNTIME_HEARTBEAT_TIMEOUT_MS', parse: int(1000, 600_000), default: 10_000 },
  runtimeNodesDirs: { env: 'DOJOT_RUNTIME_NODES_DIRS', parse: paths, default: [] },
  cronHttpAllowedBaseUrls: { env: 'DOJOT_CRON_HTTP_ALLOWED_BASE_URLS', parse: urls(['http:', 'https:']), default: [] },
  cronSyncMs: { env: 'DOJOT_CRON_SYNC_MS', parse: int(100, 3_600_000), default: 10_000 },
  kafkaWsTicketTtlSeconds: { env: 'DOJOT_KAFKA_WS_TICKET_TTL', parse: int(1, 3600), default: 60 },
  kafkaWsMaxLifetimeSeconds: { env: 'DOJOT_KAFKA_WS_MAX_LIFETIME', parse: int(1, 31 * 24 * 3600), default: 7200 },
  kafkaWsLifetimeFromToken: { env: 'DOJOT_KAFKA_WS_LIFETIME_FROM_TOKEN', parse: bool, default: false },
  kafkaWsMaxBufferBytes: { env: 'DOJOT_KAFKA_WS_MAX_BUFFER', parse: int(1024, 1024 ** 3), default: 1024 * 1024 },
  healthConsumerStuckMs: { env: 'DOJOT_HEALTH_CONSUMER_STUCK_MS', parse: int(1000, 24 * 3_600_000), default: 30_000 },
  kafka2ftpRetries: { env: 'DOJOT_KAFKA2FTP_RETRIES', parse: int(0, 100), default: 13 },
  kafka2ftpRetryBaseMs: { env: 'DOJOT_KAFKA2FTP_RETRY_BASE_MS', parse: int(1, 3_600_000), default: 1000 },
  kafka2ftpRetryMaxMs: { env: 'DOJOT_KAFKA2FTP_RETRY_MAX_MS', parse: int(1, 3_600_000), default: 60_000 },
};

/** Reads the configuration from an environment (process.env by default); throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CONFIG_SPEC) as [keyof Config, Spec[keyof Config]][]) {
    const raw = env[spec.env];
    if (raw === undefined || raw.trim() === '') {
      out[key] = spec.default;
      continue;
    }
    try {
      out[key] = (spec.parse as Parser<unknown>)(raw);
    } catch (err) {
      throw new ConfigError(spec.env, (err as Error).message);
    }
  }
  out.dataDir = path.resolve(out.dataDir as string);
  // A CA certificate without its key (or the reverse) cannot sign anything.
  if (Boolean(out.x509CaCertFile) !== Boolean(out.x509CaKeyFile)) {
    const missing = out.x509CaCertFile ? CONFIG_SPEC.x509CaKeyFile.env : CONFIG_SPEC.x509CaCertFile.env;
    throw new ConfigError(missing, `must be set together with ${missing === CONFIG_SPEC.x509CaKeyFile.env ? CONFIG_SPEC.x509CaCertFile.env : CONFIG_SPEC.x509CaKeyFile.env}`);
  }
  return Object.freeze(out as unknown as Config);
}
