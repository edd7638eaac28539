import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
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
      ssl: kafkaPlatformTls(config),
      log,
      deadLetters,
    }),
};

/** The platform's own TLS settings towards Kafka (DOJOT_KAFKA_SSL_*); undefined: PLAINTEXT. */
export function kafkaPlatformTls(config: Readonly<Config>): TlsOptions | undefined {
  if (!config.kafkaSslCaFile && !config.kafkaSslCertFile) return undefined;
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${variable}: cannot read ${file} (${(err as Error).message})`, { cause: err });
    }
  };
  return {
    ...(config.kafkaSslCaFile ? { ca: read(config.kafkaSslCaFile, 'DOJOT_KAFKA_SSL_CA_FILE') } : {}),
    ...(config.kafkaSslCertFile
      ? {
          cert: read(config.kafkaSslCertFile, 'DOJOT_KAFKA_SSL_CERT_FILE'),
          key: read(config.kafkaSslKeyFile, 'DOJOT_KAFKA_SSL_KEY_FILE'),
        }
      : {}),
  };
}

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
