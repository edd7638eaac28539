// The aedes broker with dojot's rules plugged into its hooks; it knows nothing of sockets
// (listeners.ts hands it connections), so plain TCP, TLS and websockets share one broker. Its
// emitter and persistence are in-process, or in Redis and shared by every instance (backends.ts).
import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { Bus } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import { authenticate } from './authenticate.js';
import { authorizeForward } from './authorize-forward.js';
import { authorizePublish } from './authorize-publish.js';
import { authorizeSubscribe } from './authorize-subscribe.js';
import type { BrokerBackends } from './backends.js';
import type { Refusals } from './certificate-identity.js';
import type { Counters } from './counters.js';
import { isUplinkTopic } from './acl.js';
import { capPacketSize, PACKET_OVERHEAD_BYTES } from './packet-size-cap.js';
import { Sessions } from './sessions.js';
import { LegacyTopicIdentity } from './legacy-identity.js';

/** A client whose socket stops reading is dropped after this long, so it cannot stall delivery. */
const DRAIN_TIMEOUT_MS = 30_000;
/** Time allowed between TCP accept and CONNECT. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface BrokerDeps {
  bus: Bus;
  devices: DeviceManagerClient;
  counters: Counters;
  log: Logger;
  payloadLimitBytes: number;
  /** Why MQTTS clients were refused, newest last. */
  refusals: Refusals;
  /** Emitter and persistence; the broker closes them when it closes. */
  backends: BrokerBackends;
  /** dojot's legacy identity from the topic (insecure; DOJOT_MQTT_LEGACY_TOPIC_IDENTITY). @default false */
  legacyTopicIdentity?: boolean;
}

export interface Broker {
  aedes: Aedes;
  /** Takes a connection (what the listeners call), its packets capped in size (packet-size-cap.ts). */
  handle(socket: Duplex): void;
  sessions: Sessions;
  /** Whether every instance's broker sees what this one publishes (BrokerBackends.shared). */
  shared: boolean;
  close(): Promise<void>;
}

type PublishDone = (err?: Error | null) => void;

/**
 * Device data reaches the bus in authorizePublish, and no client may subscribe to an uplink topic
 * (acl.ts), so what aedes does with an accepted PUBLISH afterwards (copy the packet, match it
 * against every subscription in its emitter, match it again against the offline sessions'
 * subscriptions, and with Redis send it to every instance) reaches no one. Skipped: in the ingest
 * bench that was ~4.5 % of the platform's thread.
 */
function skipUplinkDelivery(aedes: Aedes): void {
  const publish = aedes.publish.bind(aedes) as (packet: unknown, client: unknown, done?: PublishDone) => void;
  const skipping = (packet: { topic: string }, client: unknown, done?: PublishDone): void => {
    if (typeof client === 'function') [client, done] = [null, client as PublishDone];
    if (isUplinkTopic(packet.topic)) return done?.(null);
    publish(packet, client, done);
  };
  aedes.publish = skipping as Aedes['publish'];
}

export async function createBroker(deps: BrokerDeps): Promise<Broker> {
  const { log, backends } = deps;
  const sessions = new Sessions();
  const legacy = deps.legacyTopicIdentity ? new LegacyTopicIdentity(deps.devices, sessions, log) : undefined;
  if (legacy)
    log.warn(
      "DOJOT_MQTT_LEGACY_TOPIC_IDENTITY is on: a client on the plain port may take a device's identity from its topic (insecure)",
    );
  let aedes: Aedes;
  try {
    aedes = await Aedes.createBroker({
      ...backends.options,
      drainTimeout: DRAIN_TIMEOUT_MS,
      connectTimeout: CONNECT_TIMEOUT_MS,
      authenticate: authenticate({ ...deps, legacy }),
      authorizePublish: authorizePublish({ ...deps, legacy }),
      authorizeSubscribe: authorizeSubscribe({ ...deps, legacy }),
      authorizeForward: authorizeForward(),
    });
  } catch (err) {
    await backends.close();
    throw err;
  }
  skipUplinkDelivery(aedes);
  // Known from registration on, before the CONNACK: a removal or revocation arriving while the
  // session is being restored (from Redis, a round trip or more) finds the connection.
  aedes.on('client', (client) => sessions.add(client));
  aedes.on('clientDisconnect', (client) => sessions.remove(client));
  // Bad input from a client ends that client, never the broker; these are for debugging only.
  aedes.on('clientError', (client, err) => log.debug({ clientId: client?.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (client, err) =>
    log.debug({ clientId: client?.id, err: err.message }, 'connection error'),
  );
  // The broker's own failures (its persistence refused a write, a stored will could not be
  // published): without a listener, an 'error' event would end the process. (Its d.ts omits it.)
  (aedes as EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error'));
  const maxPacketBytes = deps.payloadLimitBytes + PACKET_OVERHEAD_BYTES;
  let capWarned = false;
  const handle = (socket: Duplex) => {
    const client = aedes.handle(socket as Parameters<Aedes['handle']>[0]);
    const capped = capPacketSize(client, maxPacketBytes, () => {
      deps.counters.packetsTooLarge += 1;
    });
    if (!capped && !capWarned) {
      capWarned = true;
      log.warn('this aedes version parses packets in a way the agent does not know: packet sizes are not capped');
    }
  };
  return {
    aedes,
    handle,
    sessions,
    shared: backends.shared,
    close: async () => {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await backends.close();
    },
  };
}
