// Device-manager events that concern connected devices (§2.4, §3.1, §3.2):
//   configure {"attrs":{...},"id":"a1b2c3"} → JSON(attrs) on `admin:a1b2c3/config` and
//             `/admin/a1b2c3/config`, QoS 1, not retained
//   remove    {"id":"a1b2c3",...}           → every connection of admin:a1b2c3 is closed
//
// Which instance handles which event:
// - In-process emitter (no Redis): a device may be connected to any instance and each broker
//   reaches only its own clients, so every instance sees every event through a consumer group
//   of its own, as dojot's iotagent-<uuid> groups did.
// - Shared emitter (Redis): a publish into any instance's broker reaches the subscribers on all of
//   them and is queued once for offline sessions, so a configure is published by ONE instance
//   (a group shared by all); one group per instance would deliver it once per instance.
//   A remove still goes to every instance through its own group, because connections are
//   closed where they are. It could have crossed over the emitter instead, but Redis pub/sub is
//   at most once: an instance reconnecting to Redis at that moment would miss it and leave a
//   removed device connected. The bus redelivers until handled, and closing twice is harmless.
import type { Aedes } from 'aedes';
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import type { DeviceEvent } from '../platform/contracts/messages.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import { topicsOf } from './acl.js';
import type { Sessions } from './sessions.js';

/** The consumer group of configure events when the emitter is shared. */
export const SHARED_DOWNLINK_GROUP = 'mqtt-agent-downlink';

export interface DownlinkDeps {
  bus: Bus;
  aedes: Aedes;
  sessions: Sessions;
  log: Logger;
  /** Distinguishes this broker instance's consumer group. */
  instanceId: string;
  /** True when every instance's broker sees what this one publishes (Redis). */
  sharedEmitter: boolean;
}

type Handled = 'configure' | 'remove';
type Handler = (
  deps: DownlinkDeps,
  tenant: string,
  id: string,
  ev: Partial<DeviceEvent<{ attrs?: unknown }>>,
) => Promise<void>;

const HANDLERS: Record<Handled, Handler> = { configure, remove };

export async function subscribeDownlink(deps: DownlinkDeps): Promise<Subscription> {
  const own = `mqtt-agent-${deps.instanceId}`;
  if (!deps.sharedEmitter) return consume(deps, own, ['configure', 'remove']);
  const shared = await consume(deps, SHARED_DOWNLINK_GROUP, ['configure']);
  let removes: Subscription;
  try {
    removes = await consume(deps, own, ['remove']);
  } catch (err) {
    await shared.close();
    throw err;
  }
  return {
    close: async () => {
      await shared.close();
      await removes.close();
    },
  };
}

function consume(deps: DownlinkDeps, group: string, events: Handled[]): Promise<Subscription> {
  return deps.bus.subscribe({
    topic: allTenants(SUBJECTS.deviceManager),
    group,
    // Not every device created or updated: with MQTT in workers, those would cross to each worker.
    events,
    handler: async (batch) => {
      for (const msg of batch) await handle(deps, events, msg);
    },
  });
}

async function handle(deps: DownlinkDeps, events: Handled[], msg: BusMessage): Promise<void> {
  const ev = msg.value as Partial<DeviceEvent<{ id?: unknown; attrs?: unknown }>> | null;
  // The topic names the tenant; meta.service is only what the sender claims.
  const tenant = tenantOfTopic(msg.topic);
  const id = ev?.data?.id;
  if (typeof id !== 'string' || !tenant || !ev) return;
  const event = events.find((e) => e === ev.event);
  if (event) await HANDLERS[event](deps, tenant, id, ev);
}

async function remove({ aedes, sessions, log }: DownlinkDeps, tenant: string, id: string): Promise<void> {
  const n = sessions.disconnect(`${tenant}:${id}`);
  if (n) log.info({ tenant, device: id, connections: n }, 'device removed: connections closed');
  if (aedes.closed) return;
  try {
    const forgotten = await forgetSubscriptions(
      (aedes as unknown as { persistence: SubscriptionStore }).persistence,
      tenant,
      id,
    );
    if (forgotten)
      log.info({ tenant, device: id, sessions: forgotten }, 'device removed: its persistent sessions unsubscribed');
  } catch (err) {
    log.warn({ err, tenant, device: id }, 'device removed: its persistent sessions could not be unsubscribed');
  }
}

/** The part of aedes' persistence (in memory, or Redis) that holds the sessions' subscriptions. */
interface SubscriptionStore {
  subscriptionsByTopic(topic: string): Promise<{ clientId: string }[]>;
  cleanSubscriptions(client: { id: string }): Promise<void>;
}

/**
 * A removed device's persistent sessions (clean session off) keep their subscriptions, in Redis
 * for good, and go on queueing what is published to the device's topics: a device made later
 * with the same id would inherit them. Only the device may subscribe to its config topics
 * (acl.ts), so their subscribers are its sessions. Every instance does it; it is idempotent.
 */
async function forgetSubscriptions(store: SubscriptionStore, tenant: string, id: string): Promise<number> {
  const topics = topicsOf(tenant, id);
  const clients = new Set<string>();
  for (const topic of [topics.config, topics.legacyConfig])
    for (const s of await store.subscriptionsByTopic(topic)) clients.add(s.clientId);
  for (const clientId of clients) await store.cleanSubscriptions({ id: clientId });
  return clients.size;
}

async function configure(
  { aedes, log }: DownlinkDeps,
  tenant: string,
  id: string,
  ev: Partial<DeviceEvent<{ attrs?: unknown }>>,
): Promise<void> {
  if (aedes.closed) return;
  const payload = Buffer.from(JSON.stringify(ev.data?.attrs ?? {}));
  const topics = topicsOf(tenant, id);
  try {
    for (const topic of [topics.config, topics.legacyConfig]) {
      await new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        ),
      );
    }
  } catch (err) {
    // A broken delivery to one device must not hold back every later event: log and go on.
    log.warn({ err, tenant, device: id }, 'configure not delivered');
  }
}
