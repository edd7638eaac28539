// The broker's emitter and persistence in Redis, shared by every instance of one deployment
// (mqemitter-redis, aedes-persistence-redis; loaded only when DOJOT_REDIS_URL is set).
//
// Several deployments may share one Redis (test platforms do), each with its own
// DOJOT_REDIS_KEY_PREFIX, and must not see each other's sessions or traffic:
//   keys      `<prefix>mqtt:client:admin%3Aa1b2c3`, `<prefix>mqtt:outgoing:…`  (ioredis keyPrefix)
//   channels  `<prefix>mqtt/admin:a1b2c3/config`, `<prefix>mqtt/$SYS/+/heartbeat` (emitter prefix)
// ioredis' keyPrefix does not touch pub/sub channel names (they are not keys), and Redis pub/sub
// ignores the database number, so the channels carry the prefix themselves. A prefix never holds
// a `/` (config allows letters, digits and `._:-`), so one deployment's channels cannot start
// with another's `<prefix>mqtt/`; nor a glob character, so the pattern subscriptions aedes makes
// (`$SYS/+/…` → PSUBSCRIBE `<prefix>mqtt/$SYS/*/…`) stay within it.
import type { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import mqemitterRedis from 'mqemitter-redis';
import type { Logger } from '../platform/log.js';
import type { BrokerBackends } from './backends.js';

/** Listeners the emitter runs at once, as aedes' own in-process emitter. */
const EMITTER_CONCURRENCY = 100;

export interface RedisBackendsOptions {
  /** redis[s]://[user:password@]host:port[/db] */
  url: string;
  /** DOJOT_REDIS_KEY_PREFIX: before every key and channel. */
  keyPrefix: string;
  log: Logger;
}

/** What we use of mqemitter-redis' emitter. */
interface RedisEmitter {
  /** Errors of both connections, re-emitted (an 'error' without a listener would throw). */
  readonly state: EventEmitter;
  emit(packet: { topic: string }, done?: (err?: Error) => void): void;
  close(cb: () => void): void;
}

/**
 * mqemitter-redis' prefixing emitter (its d.ts leaves it out): it adds the prefix to the channel
 * on emit and subscribe and strips it before a listener sees the packet. It remembers one wrapper
 * per listener function, so a function must listen to one topic only; aedes makes a new function
 * for each subscription.
 */
type PrefixedEmitter = new (
  prefix: string,
  opts: { subConn: Redis; pubConn: Redis; concurrency: number; matchEmptyLevels: boolean },
) => RedisEmitter;
const { MQEmitterRedisPrefix } = mqemitterRedis as unknown as { MQEmitterRedisPrefix: PrefixedEmitter };

export async function openRedisBackends({ url, keyPrefix, log }: RedisBackendsOptions): Promise<BrokerBackends> {
  const opened: Redis[] = [];
  try {
    // Three connections: a subscriber (in pub/sub mode it can do nothing else), a publisher that
    // batches PUBLISHes of concurrent messages into one write, and the persistence's own. Their
    // names carry the prefix, so CLIENT LIST tells which deployment holds which.
    const subConn = await connect(url, `${keyPrefix}mqtt-emitter-sub`, {}, log, opened);
    const pubConn = await connect(url, `${keyPrefix}mqtt-emitter-pub`, { enableAutoPipelining: true }, log, opened);
    const db = await connect(url, `${keyPrefix}mqtt-persistence`, { keyPrefix: `${keyPrefix}mqtt:` }, log, opened);
    const mq = new MQEmitterRedisPrefix(`${keyPrefix}mqtt/`, {
      subConn,
      pubConn,
      concurrency: EMITTER_CONCURRENCY,
      // `a/#` matches `a` too (MQTT 3.1.1 §4.7.1.2), as in aedes' own emitter.
      matchEmptyLevels: true,
    });
    mq.state.on('error', () => {}); // each connection's own listener has logged it
    // Device data never reaches this emitter: the broker skips its delivery (broker.ts), which
    // keeps it out of Redis (a PUBLISH per device message that no one receives cost a third to a
    // half of the ingest bench's throughput).
    const persistence = aedesPersistenceRedis({ conn: db });
    let closed = false;
    return {
      kind: 'redis',
      shared: true,
      options: { mq, persistence },
      async close() {
        if (closed) return;
        closed = true;
        // aedes.close() has closed the emitter (QUIT on both connections); this is for a broker
        // that never started. mqemitter-redis answers at once when it is closed or closing.
        await new Promise<void>((resolve) => mq.close(resolve));
        // Its unsubscribe from the closed emitter fails quietly; then it disconnects `db`. It
        // throws when setup() never ran (the broker did not start): disconnect `db` anyway.
        await persistence.destroy().catch((err: unknown) => log.debug({ err }, 'redis persistence: destroy failed'));
        db.disconnect();
      },
    };
  } catch (err) {
    for (const r of opened) r.disconnect();
    throw err;
  }
}

/** Opens one connection, or fails naming the host (the URL may hold a password). */
async function connect(url: string, name: string, opts: RedisOptions, log: Logger, opened: Redis[]): Promise<Redis> {
  const redis = new Redis(url, { ...opts, connectionName: name, lazyConnect: true });
  opened.push(redis);
  let lastError: Error | undefined;
  // ioredis reconnects by itself; without a listener it would print each failure to the console.
  redis.on('error', (err: Error) => {
    lastError = err;
    log.warn({ err, connection: name }, 'redis: connection error');
  });
  try {
    await redis.connect();
  } catch (err) {
    throw new Error(`Redis at ${new URL(url).host} is not reachable: ${(lastError ?? (err as Error)).message}`, {
      cause: err,
    });
  }
  return redis;
}
