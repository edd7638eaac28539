// The tenant's devices as the head nodes see them (static values to merge, templates to match),
// asked of the supervisor once and kept until a device event names the device. One promise per
// device, so messages of a device that wait on the same lookup keep their order.
import type { BusBridge } from './bus-bridge.js';
import type { TenantSide } from '../supervisor/ipc.js';
import type { FullDevice } from '../../core-services/device-manager/client.js';

/** Entries kept before the cache starts over (a tenant with more devices than this re-asks). */
const MAX_DEVICES = 10_000;

export class DeviceCache {
  private devices = new Map<string, Promise<FullDevice | null>>();
  private listening = false;

  constructor(
    private readonly ipc: TenantSide,
    private readonly bus: BusBridge,
  ) {}

  get(id: string): Promise<FullDevice | null> {
    this.listen();
    let p = this.devices.get(id);
    if (!p) {
      if (this.devices.size >= MAX_DEVICES) this.devices.clear();
      p = this.ipc.request('device.get', id);
      // A failed lookup is not kept: the next message asks again.
      p.catch(() => this.devices.delete(id));
      this.devices.set(id, p);
    }
    return p;
  }

  /** create/update/remove change what a lookup answers: forget the device. */
  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.bus.watch('dojot.device-manager.device', (m) => {
      const id = (m.value as { data?: { id?: unknown } } | null)?.data?.id;
      const event = (m.value as { event?: unknown } | null)?.event;
      if (typeof id === 'string' && event !== 'configure') this.devices.delete(id);
      // template.update names the affected devices, not one id.
      if (event === 'template.update') this.devices.clear();
    });
  }
}
