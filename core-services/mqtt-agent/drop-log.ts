// Says once per device per minute that its payloads are being dropped, and why: a device
// publishing garbage many times a second must leave a trace in the log without flooding it.
import type { Logger } from '../platform/log.js';
import type { DropReason } from './counters.js';

/** Least time between two log lines about one device's dropped payloads, ms. */
export const DROP_LOG_INTERVAL_MS = 60_000;
/** Devices remembered at most; past it the memory starts over (a line too many, never unbounded). */
const REMEMBERED_DEVICES = 10_000;

export class DropLog {
  private readonly devices = new Map<
    string,
    { loggedAt: number; since: number; reasons: Partial<Record<DropReason, number>> }
  >();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = DROP_LOG_INTERVAL_MS,
  ) {}

  dropped(tenant: string, device: string, reason: DropReason, now = Date.now()): void {
    const key = `${tenant}:${device}`;
    let d = this.devices.get(key);
    if (!d) {
      if (this.devices.size >= REMEMBERED_DEVICES) this.devices.clear();
      this.devices.set(key, (d = { loggedAt: -Infinity, since: 0, reasons: {} }));
    }
    d.reasons[reason] = (d.reasons[reason] ?? 0) + 1;
    d.since += 1;
    if (now - d.loggedAt < this.intervalMs) return;
    this.log.warn(
      { tenant, device, reason, dropped: d.since, reasons: d.reasons },
      `payloads of ${key} dropped (${reason}); the next such line for this device comes in a minute at the soonest`,
    );
    d.loggedAt = now;
    d.since = 0;
    d.reasons = {};
  }
}
