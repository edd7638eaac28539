// Keeps this instance's claim on the timer leases of the tenants whose runtimes it runs
// (runtime/storage/timer-leases.ts), and tells each runtime whether its timers fire here
// (runtime/tenant/timer-gate.ts). Only with several instances possible (the Kafka bus).
import type { Logger } from '../../core-services/platform/log.js';
import type { Store } from '../../core-services/platform/store/index.js';
import { timerLeases } from '../storage/timer-leases.js';
import type { TenantRuntime } from './tenant-runtime.js';

/**
 * A tenant's timer lease lasts this long unless renewed: how soon another instance runs the
 * timers of an instance that died, ms. A stopping instance gives its leases up at once.
 */
const TIMER_LEASE_TTL_MS = 15_000;
const TIMER_LEASE_RENEW_MS = 5_000;

export class TimerLeaseKeeper {
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private again = false;
  private closed = false;
  /** When the leases were last renewed. */
  private renewedAt = 0;

  constructor(
    private readonly store: Store,
    /** This platform instance: the holder's name. */
    private readonly instance: string,
    private readonly log: Logger,
    /** The runtimes this instance runs now. */
    private readonly runtimes: () => TenantRuntime[],
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.renew(), TIMER_LEASE_RENEW_MS);
    this.timer.unref();
  }

  /** Claims or renews the leases of the runtimes that should run; one round at a time. */
  renew(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.round) {
      this.again = true;
      return this.round;
    }
    this.round = this.roundOnce().finally(() => {
      this.round = undefined;
      if (this.again) {
        this.again = false;
        void this.renew();
      }
    });
    return this.round;
  }

  /** Gives up one tenant's lease (its runtime stopped here). */
  async release(tenant: string): Promise<void> {
    await timerLeases
      .release(this.store, this.instance, [tenant])
      .catch((err) => this.log.warn({ err, tenant }, 'flows: timer lease not released (it lapses)'));
  }

  /** Stops renewing and gives every lease up, so another instance takes them at its next round. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.round;
    await timerLeases
      .release(this.store, this.instance)
      .catch((err) => this.log.warn({ err }, 'flows: timer leases not released (they lapse)'));
  }

  private async roundOnce(): Promise<void> {
    const running = this.runtimes().filter((rt) => rt.targetState === 'running');
    try {
      const held = await timerLeases.claim(
        this.store,
        this.instance,
        running.map((rt) => rt.tenant),
        TIMER_LEASE_TTL_MS,
      );
      this.renewedAt = Date.now();
      for (const rt of running) rt.setTimersOwner(held.has(rt.tenant));
    } catch (err) {
      this.log.warn({ err }, 'flows: timer leases not renewed');
      // Another instance may hold them by now (or soon: the lease began before our clock read
      // it): fire nothing rather than twice.
      if (Date.now() - this.renewedAt > TIMER_LEASE_TTL_MS - TIMER_LEASE_RENEW_MS)
        for (const rt of running) rt.setTimersOwner(false);
    }
  }
}
