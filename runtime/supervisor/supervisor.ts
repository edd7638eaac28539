// The supervisor: one TenantRuntime per tenant, started for every tenant that has flows (a few at a
// time: start-slots.ts; with hibernation on, those whose flows run nothing of their own are left
// asleep: boot-asleep.ts) and on tenant CREATE events (`dojot-management.dojot.tenancy`), stopped on DELETE. It answers the
// runtimes' storage, token and bus requests with the tenant fixed by the channel, and forwards
// each tenant's device messages to that tenant's runtime only.
import type { PlatformContext } from '../../core-services/platform/context.js';
import type { BusMessage, Subscription } from '../../core-services/platform/bus/index.js';
import { TENANCY_TOPIC, allTenants, tenantOfTopic, topicOf } from '../../core-services/platform/contracts/topics.js';
import type { TenancyEvent } from '../../core-services/platform/contracts/messages.js';
import type { TokenService } from '../../core-services/auth/client.js';
import type { CronClient } from '../../core-services/cron/client.js';
import type { DeviceManagerClient } from '../../core-services/device-manager/client.js';
import { flowRevisions } from '../storage/flow-revisions.js';
import { flowStore, runtimeStateStore } from '../storage/flow-store.js';
import type { NodeRedNode } from '../storage/config-split.js';
import { INBOUND_SUBJECTS, OUTBOUND_SUBJECTS, RUNTIME_BUS_GROUP, type InboundSubject } from '../tenant/bus-bridge.js';
import type { SupervisorSide } from './ipc.js';
import type { IsolationReport, RuntimeDriver } from './drivers/driver.js';
import {
  TenantRuntime,
  type RuntimeReport,
  type RuntimeSettings,
  type StartPriority,
  type WakeReason,
} from './tenant-runtime.js';
import { StartSlots } from './start-slots.js';
import { runsOnItsOwn } from './boot-asleep.js';
import { TimerLeaseKeeper } from './timer-lease-keeper.js';
import { FlowErrors } from '../flows-api/errors.js';
import type { KafkaTenantAccess } from './kafka-tenant-access.js';

// Scale-out: every instance runs a runtime for each tenant with flows, and RUNTIME_BUS_GROUP is shared, so
// each device message reaches exactly one instance's runtime (runs once, not once per instance).
// On Kafka the runtimes consume their tenant's topics themselves under that group
// (runtime/tenant/kafka-bus-bridge.ts); on the in-process bus the supervisor forwards over IPC.
// A change of a tenant's flows made through one instance is announced on FLOWS_TOPIC, and every
// other instance reloads (or starts) its runtime for that tenant from the store.
/** `{tenant, instance}`: the tenant's flows changed in the store, through that instance. */
const FLOWS_TOPIC = 'dojot-management.dojot-red.flows';
/** `{tenant, instance, data}`: a debug node's message, for the tenant's editors on other instances (runtime/tenant/debug-share.ts). */
const DEBUG_TOPIC = 'dojot-management.dojot-red.debug';

export class Supervisor {
  private runtimes = new Map<string, TenantRuntime>();
  private subscriptions: Subscription[] = [];
  private locks = new Map<string, Promise<unknown>>();
  private closed = false;
  /** Whose timers fire here (several instances only). */
  private readonly leases: TimerLeaseKeeper | null;
  /** How many runtimes start at once (DOJOT_RUNTIME_START_CONCURRENCY). */
  private readonly slots: StartSlots | null;

  constructor(
    private readonly ctx: PlatformContext,
    private readonly settings: RuntimeSettings,
    private readonly tokens: TokenService,
    /** What the dojot nodes may ask of other services (absent: the request fails, naming it). */
    private readonly services: {
      devices?: DeviceManagerClient;
      cron?: CronClient;
      /** Each runtime's own Kafka principal (kafka-tenant-access.ts). */ kafkaAccess?: KafkaTenantAccess;
    },
    /** How runtimes are started and confined (DOJOT_RUNTIME_DRIVER). */
    readonly driver: RuntimeDriver,
  ) {
    this.leases = settings.launch.timersLeased
      ? new TimerLeaseKeeper(ctx.store, settings.instance, ctx.log, () => [...this.runtimes.values()])
      : null;
    this.slots = settings.startConcurrency ? new StartSlots(settings.startConcurrency) : null;
  }

  async start(): Promise<void> {
    await this.driver.prepare();
    this.subscriptions.push(
      await this.ctx.bus.subscribe({
        topic: TENANCY_TOPIC,
        group: `flow-runtimes-tenancy-${this.settings.instance}`,
        handler: (b) => this.onTenancy(b),
      }),
      await this.ctx.bus.subscribe({
        topic: FLOWS_TOPIC,
        group: `flow-runtimes-changes-${this.settings.instance}`,
        handler: (b) => this.onFlowsChanged(b),
      }),
    );
    if (this.settings.launch.shareDebug) {
      this.subscriptions.push(
        await this.ctx.bus.subscribe({
          topic: DEBUG_TOPIC,
          group: `flow-runtimes-debug-${this.settings.instance}`,
          handler: async (b) => this.onRemoteDebug(b),
        }),
      );
    }
    for (const subject of this.settings.launch.kafka ? [] : INBOUND_SUBJECTS) {
      this.subscriptions.push(
        await this.ctx.bus.subscribe({
          topic: allTenants(subject),
          group: RUNTIME_BUS_GROUP,
          handler: async (b) => this.forward(subject, b),
        }),
      );
    }
    this.leases?.start();
    // Starting is not awaited: the platform serves while runtimes boot, a few at a time, each
    // moving to the front when a device message or a request comes for it.
    const asleep: string[] = [];
    for (const tenant of await flowStore.tenantsWithFlows(this.ctx.store)) {
      if (this.closed) return;
      if ((this.settings.idleMs ?? 0) > 0 && !runsOnItsOwn(await flowStore.readConfig(this.ctx.store, tenant))) {
        this.runtime(tenant).startAsleep();
        asleep.push(tenant);
      } else this.startInBackground(tenant, 'background');
    }
    if (asleep.length > 0)
      this.ctx.log.info(
        { tenants: asleep.length },
        'flows: tenant runtimes whose flows run nothing of their own are left hibernating until first used',
      );
  }

  /** Starts a tenant's runtime without waiting for it; a runtime that cannot start is said so. */
  private startInBackground(tenant: string, priority: StartPriority = 'urgent'): void {
    void this.ensureRunning(tenant, 'request', priority).catch((err) =>
      this.ctx.log.warn({ err, tenant }, 'flows: tenant runtime did not start'),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subscriptions.splice(0)) await s.close();
    await Promise.all([...this.runtimes.values()].map((rt) => rt.stop()));
    await this.leases?.close();
    await this.driver.close();
  }

  /** Which sandbox defences hold for this instance's runtimes. */
  isolation(): IsolationReport {
    return this.driver.isolation();
  }

  /**
   * Starts (or wakes) the tenant's runtime if needed; resolves once it serves. A `background`
   * start waits behind those someone waits for.
   */
  ensureRunning(
    tenant: string,
    reason: WakeReason = 'request',
    priority: StartPriority = 'urgent',
  ): Promise<TenantRuntime> {
    if (this.closed) return Promise.reject(new Error('the flow engine is closing'));
    const rt = this.runtime(tenant);
    return rt.start(reason, priority).then(() => rt);
  }

  /** Starts being made and starts waiting for a slot (DOJOT_RUNTIME_START_CONCURRENCY). */
  startLoad(): { running: number; waiting: number; limit: number } | null {
    return this.slots ? { running: this.slots.running, waiting: this.slots.waiting, limit: this.slots.limit } : null;
  }

  /** After a change to the tenant's flows in the store: the runtime picks it up (starting if needed), here and on other instances. */
  async flowsChanged(tenant: string): Promise<void> {
    await this.applyFlows(tenant);
    await this.announceFlows(tenant);
  }

  /** Tells the other instances that the tenant's flows changed in the store. */
  private announceFlows(tenant: string): Promise<void> {
    return this.ctx.bus.publish(FLOWS_TOPIC, tenant, { tenant, instance: this.settings.instance });
  }

  /** Another instance's debug messages → this instance's runtime of that tenant (its editors). */
  private onRemoteDebug(batch: BusMessage[]): void {
    for (const m of batch) {
      const e = m.value as { tenant?: unknown; instance?: unknown; data?: unknown } | null;
      if (typeof e?.tenant !== 'string' || e.instance === this.settings.instance) continue;
      try {
        this.runtimes.get(e.tenant)?.channel?.emit('debug.remote', { data: e.data });
      } catch {
        /* that runtime is going away */
      }
    }
  }

  private async onFlowsChanged(batch: BusMessage[]): Promise<void> {
    for (const m of batch) {
      const e = m.value as { tenant?: unknown; instance?: unknown } | null;
      if (this.closed || typeof e?.tenant !== 'string' || e.instance === this.settings.instance) continue;
      await this.applyFlows(e.tenant).catch((err) =>
        this.ctx.log.warn({ err, tenant: e.tenant }, 'flows: reload after a change on another instance failed'),
      );
    }
  }

  private async applyFlows(tenant: string): Promise<void> {
    const rt = this.runtime(tenant);
    if (rt.targetState !== 'running' || rt.state === 'failed') {
      void rt.start().catch((err) => this.ctx.log.warn({ err, tenant }, 'flows: tenant runtime did not start'));
      return;
    }
    await rt.reload();
  }

  find(tenant: string): TenantRuntime | undefined {
    return this.runtimes.get(tenant);
  }

  /** Every runtime's report, or only the tenant's. */
  reports(tenant?: string): RuntimeReport[] {
    return [...this.runtimes.values()]
      .filter((rt) => tenant === undefined || rt.tenant === tenant)
      .map((rt) => rt.report());
  }

  /** Serialises writes to one tenant's flows (editor deploys and REST calls). */
  withTenantLock<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(tenant) ?? Promise.resolve();
    // The previous holder's failure went to its own caller; here it only orders the next.
    const next = prev.catch(() => {}).then(fn);
    this.locks.set(tenant, next);
    void next
      .finally(() => {
        if (this.locks.get(tenant) === next) this.locks.delete(tenant);
      })
      .catch(() => {}); // the caller of this call has next's failure

    return next;
  }

  private runtime(tenant: string): TenantRuntime {
    let rt = this.runtimes.get(tenant);
    if (!rt) {
      rt = new TenantRuntime(
        tenant,
        this.settings,
        this.ctx.log.child({ svc: 'flows', tenant }),
        (ipc, r) => this.attach(ipc, r),
        this.driver,
        this.slots,
      );
      this.runtimes.set(tenant, rt);
      // The new runtime's timers learn at once whether they fire here (not at the next renewal).
      if (this.leases) queueMicrotask(() => void this.leases?.renew());
    }
    return rt;
  }

  /** What a runtime may ask; the tenant is the runtime's own, never a parameter. */
  private attach(ipc: SupervisorSide, rt: TenantRuntime): void {
    const { store } = this.ctx;
    const t = rt.tenant;
    // Debug output is best effort: a lost one is not worth a retry, nor a failure of the runtime.
    ipc.on('debug.share', ({ data }) => {
      void this.ctx.bus.publish(DEBUG_TOPIC, t, { tenant: t, instance: this.settings.instance, data }).catch(() => {});
    });
    ipc
      .serve('flows.get', () => flowStore.readConfig(store, t))
      .serve('flows.save', (config, author) =>
        this.withTenantLock(t, () =>
          store.transaction(async (tx) => {
            await flowStore.writeConfig(tx, t, config as NodeRedNode[]);
            await flowRevisions.record(tx, t, { author, via: 'editor' }, this.ctx.config.flowsRevisionsKept);
          }),
        ).then(() => this.announceFlows(t)),
      )
      .serve('credentials.get', () => runtimeStateStore.credentials(store, t))
      .serve('credentials.save', (creds) => runtimeStateStore.saveCredentials(store, t, creds))
      .serve('state.get', (name) => runtimeStateStore.state(store, t, name))
      .serve('state.save', (name, value) => runtimeStateStore.saveState(store, t, name, value))
      .serve('context.load', () => runtimeStateStore.context(store, t))
      .serve('context.write', (writes) => store.transaction((tx) => runtimeStateStore.writeContext(tx, t, writes)))
      // The same check as the gateway's: signature, expiry, and the user's token epoch (a token of a
      // user since removed, or whose password changed, is void here as everywhere).
      .serve('token.verify', async (token) => {
        try {
          const id = await this.tokens.check(token);
          return id.tenant === t ? { username: id.username, profile: id.profile } : null;
        } catch {
          return null;
        }
      })
      .serve('bus.publish', async (messages) => {
        const bad = messages.find((m) => !(OUTBOUND_SUBJECTS as readonly string[]).includes(m.subject));
        if (bad) throw new Error(`a flow cannot publish to ${bad.subject}`);
        await this.ctx.bus.publishMany(
          messages.map((m) => ({ topic: topicOf(t, m.subject), key: m.key, value: m.value })),
        );
      })
      .serve('device.get', async (id) =>
        this.services.devices ? this.services.devices.getDevice(t, String(id)) : null,
      )
      .serve('cron.create', (spec, jobId) => this.cron().createJob(t, spec, jobId ?? undefined))
      .serve('cron.remove', (jobId) => this.cron().removeJob(t, String(jobId)))
      // The runtime's own Kafka certificate and ACLs, made when it starts (and renews)
      .serve('kafka.credentials', () => this.services.kafkaAccess?.provision(t) ?? null);
  }

  private cron(): CronClient {
    if (!this.services.cron) throw FlowErrors.CRON_UNAVAILABLE();
    return this.services.cron;
  }

  private async onTenancy(batch: BusMessage[]): Promise<void> {
    for (const m of batch) {
      const e = m.value as TenancyEvent;
      if (!e || typeof e.tenant !== 'string') continue;
      if (e.type === 'CREATE') this.startInBackground(e.tenant, 'background');
      else if (e.type === 'DELETE') {
        const rt = this.runtimes.get(e.tenant);
        this.runtimes.delete(e.tenant);
        await rt?.stop();
        if (rt) await this.leases?.release(e.tenant);
        await this.driver
          .forget(e.tenant)
          .catch((err) =>
            this.ctx.log.warn({ err, tenant: e.tenant }, 'could not remove the runtime files of a deleted tenant'),
          );
        // The tenant's Kafka ACLs go with it (every instance tries; deleting is idempotent)
        await this.services.kafkaAccess
          ?.remove(e.tenant)
          .catch((err) =>
            this.ctx.log.error({ err, tenant: e.tenant }, 'kafka: removing the ACLs of a deleted tenant failed'),
          );
      }
    }
  }

  /** Device messages → the runtime of the topic's tenant, if it runs and some node listens. */
  private forward(subject: InboundSubject, batch: BusMessage[]): void {
    const byTenant = new Map<string, BusMessage[]>();
    for (const m of batch) {
      const tenant = tenantOfTopic(m.topic);
      const list = byTenant.get(tenant);
      if (list) list.push(m);
      else byTenant.set(tenant, [m]);
    }
    for (const [tenant, messages] of byTenant) {
      this.runtimes.get(tenant)?.deliver({
        subject,
        messages: messages.map((m) => ({ key: m.key, value: m.value, id: m.id, timestamp: m.timestamp })),
      });
    }
  }
}
