// What the agent refused or dropped, so operators can see misbehaving devices without debug logs.
// Plain numbers and maps: incremented on the hot path, copied only when someone asks.

export type DropReason = 'not_json' | 'not_object' | 'too_large' | 'bad_text' | 'too_deep' | 'too_many_keys';

export interface AgentCounters {
  /** Clients connected right now. */
  connected: number;
  /** CONNECTs refused (malformed name, unknown device, lookup failure). */
  connectsRefused: number;
  /** Messages published on `<tenant>.device-data`. */
  messagesForwarded: number;
  /** PUBLISHes to a topic outside the ACL (the connection was closed). */
  publishesRefused: number;
  /** SUBSCRIBE topics outside the ACL (granted 128). */
  subscriptionsRefused: number;
  /** Messages the bus did not accept (the connection was closed without PUBACK). */
  busFailures: number;
  /** Connections closed for announcing a packet larger than the payload limit allows (packet-size-cap.ts). */
  packetsTooLarge: number;
  /** Payloads acknowledged but not forwarded, by reason. */
  dropped: Record<DropReason, number>;
  /** The same, per tenant and device: {tenant: {device: count}}. */
  droppedByDevice: Record<string, Record<string, number>>;
}

export class Counters {
  connectsRefused = 0;
  messagesForwarded = 0;
  publishesRefused = 0;
  subscriptionsRefused = 0;
  busFailures = 0;
  packetsTooLarge = 0;
  private readonly dropped: Record<DropReason, number> = {
    not_json: 0,
    not_object: 0,
    too_large: 0,
    bad_text: 0,
    too_deep: 0,
    too_many_keys: 0,
  };
  private readonly byDevice = new Map<string, Map<string, number>>();

  drop(tenant: string, device: string, reason: DropReason): void {
    this.dropped[reason] += 1;
    let devices = this.byDevice.get(tenant);
    if (!devices) this.byDevice.set(tenant, (devices = new Map()));
    devices.set(device, (devices.get(device) ?? 0) + 1);
  }

  /** `connected` is the broker's own count, passed in when a snapshot is taken. */
  snapshot(connected: number): AgentCounters {
    const droppedByDevice: Record<string, Record<string, number>> = {};
    for (const [tenant, devices] of this.byDevice) droppedByDevice[tenant] = Object.fromEntries(devices);
    return {
      connected,
      connectsRefused: this.connectsRefused,
      messagesForwarded: this.messagesForwarded,
      publishesRefused: this.publishesRefused,
      subscriptionsRefused: this.subscriptionsRefused,
      busFailures: this.busFailures,
      packetsTooLarge: this.packetsTooLarge,
      dropped: { ...this.dropped },
      droppedByDevice,
    };
  }
}
