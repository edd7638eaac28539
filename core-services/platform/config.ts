// The only file that reads process.env. Every DOJOT_* variable is declared here once, with its
// default; a bad value stops start-up with a message that names the variable.
import path from 'node:path';

export interface Config {
  /** @default 8000 */ httpPort: number;
  /** @default '0.0.0.0' */ httpHost: string;
  /** @default 1883 */ mqttPort: number;
  /** @default '0.0.0.0' */ mqttHost: string;
  /** @default true — plain MQTT listener on mqttPort */ mqttInsecure: boolean;
  /** @default false — on the plain port, a client named by neither username nor client id takes its identity from its first `/<tenant>/<device>/…` topic (dojot's legacy agent; insecure) */ mqttLegacyTopicIdentity: boolean;
  /** @default 0 — MQTT worker processes sharing the MQTT ports (0: MQTT in this process) */ mqttWorkers: number;
  /** @default 5000 — connections waiting for one MQTT worker to take them; beyond it a new one is closed */ mqttWorkerQueue: number;
  /** @default 0 — connections one MQTT worker holds at most (0: its open-file limit less 500); a full worker takes no more */ mqttWorkerMaxConnections: number;
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
  /** @default '' — PEM file of the CA(s) the Kafka brokers' certificates chain to (empty: the system's roots); needs kafkaSslCertFile */ kafkaSslCaFile: string;
  /** @default '' — PEM file of the platform's own Kafka client certificate (its principal must be a super user); set: Kafka over mutual TLS */ kafkaSslCertFile: string;
  /** @default '' — PEM file of the key of kafkaSslCertFile */ kafkaSslKeyFile: string;
  /** @default '' — PEM file of the CA that signs each tenant runtime's Kafka client certificate (the brokers trust it for client authentication) */ kafkaTenantCaCertFile: string;
  /** @default '' — PEM file of the key of kafkaTenantCaCertFile */ kafkaTenantCaKeyFile: string;
  /** @default 24 — lifetime of a tenant runtime's Kafka client certificate (renewed at half of it), hours */ kafkaTenantCertHours: number;
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
  /** @default 'local' — how tenant runtimes are started (docs/sandbox.md): local (hardened local processes) or stub (tests only) */ runtimeDriver:
    'local' | 'stub';
  /** @default [200000, 265535] — Unix uids (and gids) given to tenant runtimes, one per tenant, kept (first-last) */ runtimeUidRange: [
    number,
    number,
  ];
  /** @default 0 — a tenant runtime idle this long (no device message, editor, message in its flows, open socket or pending timer) hibernates until the next, s (0 = never; in-process bus only) */ runtimeIdleSeconds: number;
  /** @default 0 — how many tenant runtimes may be starting at once (0 = the number of CPU cores, at least 2) */ runtimeStartConcurrency: number;
  /** @default 512 — resident memory cap of each tenant runtime process (cgroup, else polled), MB */ runtimeMaxRssMb: number;
  /** @default 256 — CPU weight of all tenant runtimes together against the platform's 1024 (cgroup cpu.shares/cpu.weight) */ runtimeCpuShares: number;
  /** @default [] — addresses tenant flows may reach although local or link-local (host:port or CIDR[:port], comma-separated) */ runtimeEgressAllow: string[];
  /** @default [] — sandbox defences turned off (uid, permissions, memory, cpu, egress, proxy-secret): for diagnosis only, never in production */ runtimeSandboxOff: SandboxDefence[];
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
  /** @default 100 — files one tenant may have waiting for its FTP server */ kafka2ftpQueueFiles: number;
  /** @default '' — bearer token a /metrics scrape must carry; empty: /metrics answers loopback clients only */ metricsToken: string;
  /** @default 16777216 — bytes one tenant may have waiting for its FTP server */ kafka2ftpQueueBytes: number;
}

/** The defences of the hardened local runtime driver, each of which DOJOT_RUNTIME_SANDBOX_OFF can name. */
export const SANDBOX_DEFENCES = ['uid', 'permissions', 'memory', 'cpu', 'egress', 'proxy-secret'] as const;
export type SandboxDefence = (typeof SANDBOX_DEFENCES)[number];

type Parser<T> = (raw: string) => T;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
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
/** A shared secret for scrapers: long enough not to be guessed, printable, no spaces. */
const metricsToken: Parser<string> = (raw) => {
  const v = raw.trim();
  if (v === '') return v;
  if (!/^[\x21-\x7e]{16,512}$/.test(v))
    throw new Error('expected 16 to 512 printable characters without spaces (e.g. openssl rand -hex 32)');
  return v;
};
const url =
  (protocols: string[]): Parser<string> =>
  (raw) => {
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
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of list) {
    if (!/^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/.test(b)) throw new Error(`expected host:port[,host:port...], got "${b}"`);
  }
  return list;
};
/** A comma-separated list of base URLs (each checked like url()). */
const urls =
  (protocols: string[]): Parser<string[]> =>
  (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => url(protocols)(s));
const paths: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => path.resolve(s));
const hostnames: Parser<string[]> = (raw) => {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new Error('expected at least one host name');
  for (const h of list)
    if (!/^[A-Za-z0-9.\-:*]+$/.test(h))
      throw new Error(`expected host names or IP addresses separated by commas, got "${h}"`);
  return list;
};
/** A prefix for Kafka group ids or Redis keys: printable, no spaces. */
const groupPrefix: Parser<string> = (raw) => {
  const v = raw.trim();
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(v))
    throw new Error(`expected up to 100 letters, digits or . _ : -, got "${raw}"`);
  return v;
};
const oneOf =
  <T extends string>(values: readonly T[]): Parser<T> =>
  (raw) => {
    const v = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(v))
      throw new Error(`expected one of ${values.join(', ')}, got "${raw}"`);
    return v as T;
  };
const listOf =
  <T extends string>(values: readonly T[]): Parser<T[]> =>
  (raw) =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => oneOf(values)(s));
/** "first-last": an inclusive range of uids, none of them root's nor a system account's. */
const uidRange: Parser<[number, number]> = (raw) => {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(raw);
  if (!m) throw new Error(`expected first-last (e.g. 200000-265535), got "${raw}"`);
  const [first, last] = [Number(m[1]), Number(m[2])];
  if (first < 1000 || last > 4_294_967_294 || last < first)
    throw new Error(`expected 1000 <= first <= last <= 4294967294, got "${raw}"`);
  return [first, last];
};
/** Egress exceptions: host:port, IP, or CIDR, optionally with :port (IPv6 in brackets). */
const egressRules: Parser<string[]> = (raw) => {
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const r of list) {
    if (!/^(\[[0-9A-Fa-f:.]+\](\/\d{1,3})?|[A-Za-z0-9.-]+(\/\d{1,2})?)(:\d{1,5})?$/.test(r))
      throw new Error(`expected host[:port], IP[/prefix][:port] or [IPv6][/prefix][:port], got "${r}"`);
  }
  return list;
};
const file: Parser<string> = (raw) => path.resolve(raw.trim());
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const logLevel: Parser<Config['logLevel']> = (raw) => {
  const v = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v))
    throw new Error(`expected one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  return v as Config['logLevel'];
};

/** Two file settings that only make sense together (a certificate and its key). */
function requireTogether(out: Record<string, unknown>, a: keyof Config, b: keyof Config): void {
  if (Boolean(out[a]) === Boolean(out[b])) return;
  const [missing, given] = out[a] ? [CONFIG_SPEC[b].env, CONFIG_SPEC[a].env] : [CONFIG_SPEC[a].env, CONFIG_SPEC[b].env];
  throw new ConfigError(missing, `must be set together with ${given}`);
}

type Spec = { [K in keyof Config]: { env: string; parse: Parser<Config[K]>; default: Config[K] } };

/** The table of every setting; docs/configuration.md mirrors it (a test checks). */
export const CONFIG_SPEC: Spec = {
  httpPort: { env: 'DOJOT_HTTP_PORT', parse: port, default: 8000 },
  httpHost: { env: 'DOJOT_HTTP_HOST', parse: text, default: '0.0.0.0' },
  mqttPort: { env: 'DOJOT_MQTT_PORT', parse: port, default: 1883 },
  mqttHost: { env: 'DOJOT_MQTT_HOST', parse: text, default: '0.0.0.0' },
  mqttInsecure: { env: 'DOJOT_MQTT_INSECURE', parse: bool, default: true },
  mqttLegacyTopicIdentity: { env: 'DOJOT_MQTT_LEGACY_TOPIC_IDENTITY', parse: bool, default: false },
  mqttWorkers: { env: 'DOJOT_MQTT_WORKERS', parse: int(0, 64), default: 0 },
  mqttWorkerQueue: { env: 'DOJOT_MQTT_WORKER_QUEUE', parse: int(1, 1_000_000), default: 5000 },
  mqttWorkerMaxConnections: { env: 'DOJOT_MQTT_WORKER_MAX_CONNECTIONS', parse: int(0, 10_000_000), default: 0 },
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
  kafkaSslCaFile: { env: 'DOJOT_KAFKA_SSL_CA_FILE', parse: file, default: '' },
  kafkaSslCertFile: { env: 'DOJOT_KAFKA_SSL_CERT_FILE', parse: file, default: '' },
  kafkaSslKeyFile: { env: 'DOJOT_KAFKA_SSL_KEY_FILE', parse: file, default: '' },
  kafkaTenantCaCertFile: { env: 'DOJOT_KAFKA_TENANT_CA_CERT_FILE', parse: file, default: '' },
  kafkaTenantCaKeyFile: { env: 'DOJOT_KAFKA_TENANT_CA_KEY_FILE', parse: file, default: '' },
  kafkaTenantCertHours: { env: 'DOJOT_KAFKA_TENANT_CERT_HOURS', parse: int(1, 24 * 365), default: 24 },
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
  historyRetentionSeconds: {
    env: 'DOJOT_HISTORY_RETENTION_SECONDS',
    parse: int(0, 100 * 365 * 86_400),
    default: 604_800,
  },
  historyPurgeIntervalSeconds: { env: 'DOJOT_HISTORY_PURGE_INTERVAL_SECONDS', parse: int(1, 86_400), default: 600 },
  runtimeMaxOldSpaceMb: { env: 'DOJOT_RUNTIME_MAX_OLD_SPACE_MB', parse: int(64, 65_536), default: 256 },
  runtimeFunctionTimeoutSeconds: { env: 'DOJOT_RUNTIME_FUNCTION_TIMEOUT', parse: int(0, 3600), default: 5 },
  runtimeHeartbeatTimeoutMs: { env: 'DOJOT_RUNTIME_HEARTBEAT_TIMEOUT_MS', parse: int(1000, 600_000), default: 10_000 },
  runtimeNodesDirs: { env: 'DOJOT_RUNTIME_NODES_DIRS', parse: paths, default: [] },
  runtimeDriver: { env: 'DOJOT_RUNTIME_DRIVER', parse: oneOf(['local', 'stub'] as const), default: 'local' },
  runtimeUidRange: { env: 'DOJOT_RUNTIME_UIDS', parse: uidRange, default: [200_000, 265_535] },
  runtimeIdleSeconds: { env: 'DOJOT_RUNTIME_IDLE_SECONDS', parse: int(0, 31_536_000), default: 0 },
  runtimeStartConcurrency: { env: 'DOJOT_RUNTIME_START_CONCURRENCY', parse: int(0, 10_000), default: 0 },
  runtimeMaxRssMb: { env: 'DOJOT_RUNTIME_MAX_RSS_MB', parse: int(64, 1_048_576), default: 512 },
  runtimeCpuShares: { env: 'DOJOT_RUNTIME_CPU_SHARES', parse: int(2, 10_000), default: 256 },
  runtimeEgressAllow: { env: 'DOJOT_RUNTIME_EGRESS_ALLOW', parse: egressRules, default: [] },
  runtimeSandboxOff: { env: 'DOJOT_RUNTIME_SANDBOX_OFF', parse: listOf(SANDBOX_DEFENCES), default: [] },
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
  kafka2ftpQueueFiles: { env: 'DOJOT_KAFKA2FTP_QUEUE_FILES', parse: int(1, 100_000), default: 100 },
  metricsToken: { env: 'DOJOT_METRICS_TOKEN', parse: metricsToken, default: '' },
  kafka2ftpQueueBytes: {
    env: 'DOJOT_KAFKA2FTP_QUEUE_BYTES',
    parse: int(1024, 4 * 1024 * 1024 * 1024),
    default: 16 * 1024 * 1024,
  },
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
  // A certificate without its key (or the reverse) cannot sign or authenticate anything.
  requireTogether(out, 'x509CaCertFile', 'x509CaKeyFile');
  requireTogether(out, 'kafkaSslCertFile', 'kafkaSslKeyFile');
  requireTogether(out, 'kafkaTenantCaCertFile', 'kafkaTenantCaKeyFile');
  // On a broker that authenticates clients, each tenant runtime needs a certificate of its own
  // (runtime/supervisor/kafka-tenant-access.ts): the platform's would give it every tenant's data.
  if (out.kafkaSslCertFile && !out.kafkaTenantCaCertFile) {
    throw new ConfigError(
      CONFIG_SPEC.kafkaTenantCaCertFile.env,
      `must be set with ${CONFIG_SPEC.kafkaSslCertFile.env}: tenant runtimes connect to Kafka with certificates of their own, signed by this CA`,
    );
  }
  // TLS without client certificates would leave the runtimes no principal of their own (and no way
  // to connect: their credentials come from the tenant CA).
  if (out.kafkaSslCaFile && !out.kafkaSslCertFile) {
    throw new ConfigError(
      CONFIG_SPEC.kafkaSslCertFile.env,
      `must be set with ${CONFIG_SPEC.kafkaSslCaFile.env}: Kafka over TLS means mutual TLS here (the platform and each tenant runtime present certificates)`,
    );
  }
  if (out.kafkaTenantCaCertFile && !out.kafkaSslCertFile) {
    throw new ConfigError(
      CONFIG_SPEC.kafkaSslCertFile.env,
      `must be set with ${CONFIG_SPEC.kafkaTenantCaCertFile.env}: tenant certificates mean something only on a broker that authenticates clients`,
    );
  }
  return Object.freeze(out as unknown as Config);
}
