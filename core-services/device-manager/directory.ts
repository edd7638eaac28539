// The DeviceManagerClient siblings use. deviceExists is MQTT ingest's hot path, so it is answered
// from memory: each tenant's device ids are read once, then kept current from this instance's own
// writes and from device events on the bus, which carry other instances' writes. Every instance
// subscribes with its own consumer group, so each one sees every event.
import { randomUUID } from 'node:crypto';
import type { Bus, BusMessage, Subscription } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import type { Store } from '../platform/store/index.js';
import { SUBJECTS, allTenants, tenantOfTopic } from '../platform/contracts/topics.js';
import type { DeviceManagerClient, FullDevice } from './client.js';
import { allDeviceIds, deviceIdExists, loadFullDevices } from './device-store.js';
import type { LocalWrites } from './events.js';

interface TenantIds {
  /** Set once the first read has finished. */
  ids?: Set<string>;
  loading?: Promise<Set<string>>;
  /**
   * Changes seen while the first read runs, replayed over its result. Replaying an event the read
   * already reflects is harmless: events of one device arrive in order, so the last one wins.
   */
  pending: [event: string, id: string][];
}

/**
 * Another instance's new device may be asked for before its create event arrives here (Kafka
 * delivers it within seconds): a miss is checked in the store, and a confirmed miss is
 * remembered this long so unknown ids cannot turn each connect attempt into a query.
 */
const MISS_TTL_MS = 1_000;

export class DeviceDirectory implements DeviceManagerClient, LocalWrites {
  private readonly tenants = new Map<string, TenantIds>();
  private readonly misses = new Map<string, number>();
  private subscription?: Subscription;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    private readonly log: Logger,
    /** Names this instance's consumer group. */
    private readonly instance: string = randomUUID(),
  ) {}

  async getDevice(tenant: string, id: string): Promise<FullDevice | null> {
    const [device] = await loadFullDevices(this.store, tenant, [id]);
    return device ?? null;
  }

  async deviceExists(tenant: string, id: string): Promise<boolean> {
    const ids = await this.idsOf(tenant);
    if (ids.has(id)) return true;
    const key = `${tenant}:${id}`;
    const now = Date.now();
    if ((this.misses.get(key) ?? 0) > now) return false;
    if (await deviceIdExists(this.store, tenant, id)) {
      this.misses.delete(key);
      ids.add(id);
      return true;
    }
    if (this.misses.size > 10_000) this.misses.clear();
    this.misses.set(key, now + MISS_TTL_MS);
    return false;
  }

  applyLocal(tenant: string, event: string, id: string): void {
    if (event !== 'create' && event !== 'remove') return;
    const t = this.tenants.get(tenant);
    if (!t) return; // not read yet: the first read will see the store as it is
    if (event === 'create') this.misses.delete(`${tenant}:${id}`);
    if (!t.ids) t.pending.push([event, id]);
    else if (event === 'create') t.ids.add(id);
    else t.ids.delete(id);
  }

  async start(): Promise<void> {
    this.subscription = await this.bus.subscribe({
      topic: allTenants(SUBJECTS.deviceManager),
      group: `device-manager-directory-${this.instance}`,
      handler: async (batch) => {
        for (const m of batch) this.onEvent(m);
      },
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
    this.tenants.clear();
  }

  private onEvent(m: BusMessage): void {
    // A malformed message must not stop the consumer (throwing would redeliver it forever).
    let value = m.value as { event?: unknown; data?: { id?: unknown } } | string | null;
    if (typeof value === 'string') {
      try {
        value = JSON.parse(value) as { event?: unknown; data?: { id?: unknown } };
      } catch {
        value = null;
      }
    }
    const event = value && typeof value === 'object' ? value.event : undefined;
    const id = value && typeof value === 'object' ? value.data?.id : undefined;
    if (typeof event === 'string' && typeof id === 'string') this.applyLocal(tenantOfTopic(m.topic), event, id);
    else this.log.debug({ topic: m.topic }, 'ignored a device event without event or data.id');
  }

  private idsOf(tenant: string): Promise<Set<string>> {
    const known = this.tenants.get(tenant);
    if (known?.ids) return Promise.resolve(known.ids);
    if (known?.loading) return known.loading;
    const t: TenantIds = { pending: [] };
    this.tenants.set(tenant, t);
    t.loading = allDeviceIds(this.store, tenant).then(
      (list) => {
        const ids = new Set(list);
        for (const [event, id] of t.pending) {
          if (event === 'create') ids.add(id);
          else ids.delete(id);
        }
        t.ids = ids;
        t.pending = [];
        t.loading = undefined;
        return ids;
      },
      (err: unknown) => {
        this.tenants.delete(tenant); // the next call tries again
        throw err;
      },
    );
    return t.loading;
  }
}
