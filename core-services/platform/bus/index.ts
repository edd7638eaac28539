import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Bus } from './bus.js';
import { MemoryBus } from './memory.js';

export type { Bus, BusMessage, BatchHandler, SubscribeOptions, Subscription } from './bus.js';
export { eachMessage } from './bus.js';

type BusFactory = (config: Readonly<Config>, log: Logger) => Promise<Bus>;

/** Which adapter runs is decided here, from configuration only. */
const BUS_ADAPTERS: Record<string, BusFactory> = {
  memory: async (_config, log) => new MemoryBus(log),
  // Loaded only when configured, so the embedded mode never loads kafkajs.
  kafka: async (config, log) =>
    (await import('./kafka.js')).createKafkaBus({
      brokers: config.kafkaBrokers,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
      groupPrefix: config.kafkaGroupPrefix,
      log,
    }),
};

export function busKind(config: Readonly<Config>): string {
  return config.kafkaBrokers.length > 0 ? 'kafka' : 'memory';
}

export async function createBus(config: Readonly<Config>, log: Logger): Promise<Bus> {
  const kind = busKind(config);
  const factory = BUS_ADAPTERS[kind];
  if (!factory) throw new Error(`bus adapter "${kind}" is not available in this build`);
  return factory(config, log.child({ svc: 'bus', kind }));
}
