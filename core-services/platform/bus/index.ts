import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Bus } from './bus.js';
import { MemoryBus } from './memory.js';
import type { DeadLetterSink } from './poison.js';

export type { Bus, BusMessage, BatchHandler, ConsumerStatus, SubscribeOptions, Subscription } from './bus.js';
export { eachMessage } from './bus.js';
export { transientError, type DeadLetter, type DeadLetterSink } from './poison.js';

type BusFactory = (config: Readonly<Config>, log: Logger, deadLetters?: DeadLetterSink) => Promise<Bus>;

/** Which adapter runs is decided here, from configuration only. */
const BUS_ADAPTERS: Record<string, BusFactory> = {
  memory: async (_config, log, deadLetters) => new MemoryBus(log, deadLetters),
  // Loaded only when configured, so the embedded mode never loads kafkajs.
  kafka: async (config, log, deadLetters) =>
    (await import('./kafka.js')).createKafkaBus({
      brokers: config.kafkaBrokers,
      partitions: config.kafkaPartitions,
      replicationFactor: config.kafkaReplicationFactor,
      groupPrefix: config.kafkaGroupPrefix,
      log,
      deadLetters,
    }),
};

export function busKind(config: Readonly<Config>): string {
  return config.kafkaBrokers.length > 0 ? 'kafka' : 'memory';
}

/** `deadLetters` keeps the messages a consumer fails on every try (poison.ts); without it they are redelivered until handled. */
export async function createBus(config: Readonly<Config>, log: Logger, deadLetters?: DeadLetterSink): Promise<Bus> {
  const kind = busKind(config);
  const factory = BUS_ADAPTERS[kind];
  if (!factory) throw new Error(`bus adapter "${kind}" is not available in this build`);
  return factory(config, log.child({ svc: 'bus', kind }), deadLetters);
}
