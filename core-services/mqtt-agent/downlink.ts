// Device-manager events that concern connected devices (§2.4, §3.1, §3.2):
//   configure {"attrs":{...},"id":"a1b2c3"} → JSON(attrs) on `admin:a1b2c3/config` and
//             `/admin/a1b2c3/config`, QoS 1, not retained
//   remove    {"id":"a1b2c3",...}           → every connection of admin:a1b2c3 is closed
// Every agent instance must see every event (a device may be connected to any of them), so
// each instance has its own consumer group, as dojot's iotagent-<uuid> groups did.
import type { Aedes } from 'aedes';
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import type { DeviceEvent } from '../platform/contracts/messages.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { Logger } from '../platform/log.js';
import { topicsOf } from './acl.js';
import type { Sessions } from './sessions.js';

export interface DownlinkDeps {
  bus: Bus;
  aedes: Aedes;
  sessions: Sessions;
  log: Logger;
  /** Distinguishes this broker instance's consumer group. */
  instanceId: string;
}

export function subscribeDownlink(deps: DownlinkDeps): Promise<Subscription> {
  return deps.bus.subscribe({
    topic: allTenants(SUBJECTS.deviceManager),
    group: `mqtt-agent-${deps.instanceId}`,
    handler: async (batch) => {
      for (const msg of batch) await handle(deps, msg);
    },
  });
}

async function handle({ aedes, sessions, log }: DownlinkDeps, msg: BusMessage): Promise<void> {
  const ev = msg.value as Partial<DeviceEvent<{ id?: unknown; attrs?: unknown }>> | null;
  // The topic names the tenant; meta.service is only what the sender claims.
  const tenant = tenantOfTopic(msg.topic);
  const id = ev?.data?.id;
  if (typeof id !== 'string' || !tenant) return;
  if (ev?.event === 'remove') {
    const n = sessions.disconnect(`${tenant}:${id}`);
    if (n) log.info({ tenant, device: id, connections: n }, 'device removed: connections closed');
    return;
  }
  if (ev?.event !== 'configure' || aedes.closed) return;
  const payload = Buffer.from(JSON.stringify(ev.data?.attrs ?? {}));
  const topics = topicsOf(tenant, id);
  try {
    for (const topic of [topics.config, topics.legacyConfig]) {
      await new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload, qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
      );
    }
  } catch (err) {
    // A broken delivery to one device must not hold back every later event: log and go on.
    log.warn({ err, tenant, device: id }, 'configure not delivered');
  }
}
