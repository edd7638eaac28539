// Where the broker keeps what outlives one packet: the emitter that routes each PUBLISH to the
// subscribers, and the persistence that holds sessions (subscriptions of clean=false clients,
// their QoS 1 queues, in-flight ids, wills, retained messages). By default both live in this
// process (aedes' own mqemitter and aedes-persistence). Given Redis, every instance shares them, so
// a session survives a reconnection to another instance and a PUBLISH on one instance reaches
// the subscribers of all.
import type { AedesOptions } from 'aedes';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/log.js';

export interface BrokerBackends {
  readonly kind: string;
  /** True when other instances see what this broker emits: then one of them publishes each actuation. */
  readonly shared: boolean;
  /** Handed to aedes; empty means its in-process defaults. */
  readonly options: Pick<AedesOptions, 'mq' | 'persistence'>;
  /** After aedes has closed: frees the connections (aedes closes its emitter, not its persistence). */
  close(): Promise<void>;
}

type BackendsFactory = (config: Readonly<Config>, log: Logger) => Promise<BrokerBackends>;

const BACKENDS: Record<string, BackendsFactory> = {
  memory: async () => ({ kind: 'memory', shared: false, options: {}, close: async () => {} }),
  // Loaded only when configured, so the embedded mode never loads the Redis modules.
  redis: async (config, log) =>
    (await import('./redis-backends.js')).openRedisBackends({
      url: config.redisUrl,
      keyPrefix: config.redisKeyPrefix,
      log,
    }),
};

export function backendsKind(config: Readonly<Config>): string {
  return config.redisUrl ? 'redis' : 'memory';
}

export async function openBackends(config: Readonly<Config>, log: Logger): Promise<BrokerBackends> {
  const kind = backendsKind(config);
  const factory = BACKENDS[kind];
  if (!factory) throw new Error(`MQTT backends "${kind}" are not available in this build`);
  return factory(config, log);
}
