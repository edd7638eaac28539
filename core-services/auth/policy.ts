// The decision point the gateway asks on every request. A user's rules are read from the store
// once and kept in memory; any change of permissions, groups or memberships clears the cache of
// this instance at once and, through a message on the bus, of every other instance (each reads
// the policy topic in a consumer group of its own).
import { randomUUID } from 'node:crypto';
import type { PlatformContext } from '../platform/context.js';
import type { Identity } from '../platform/contracts/identity.js';
import {
  ADMIN_GROUP,
  PLATFORM_TENANT,
  compileRule,
  decide,
  type CompiledRule,
  type Verdict,
} from '../platform/contracts/permissions.js';
import { POLICY_TOPIC } from '../platform/contracts/topics.js';
import type { Subscription } from '../platform/bus/index.js';
import { papStore } from './pap-store.js';

export { PLATFORM_TENANT };
/** Beyond this many cached users the cache starts over (it refills on demand). */
const MAX_CACHED_USERS = 10_000;

interface Rights {
  rules: CompiledRule[];
  groups: Set<string>;
}

export class Policy {
  private rights = new Map<number, Promise<Rights>>();
  private subscription: Subscription | null = null;

  constructor(private readonly ctx: PlatformContext) {}

  async start(): Promise<void> {
    this.subscription = await this.ctx.bus.subscribe({
      topic: POLICY_TOPIC,
      group: `auth-policy-${randomUUID()}`,
      handler: async () => this.forget(),
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
    this.subscription = null;
  }

  async decide(identity: Identity, method: string, url: string): Promise<Verdict> {
    return decide((await this.of(identity.userid)).rules, method, url);
  }

  /** The names of the user's groups, as the store has them now (not as its token says). */
  async groupsOf(userId: number): Promise<ReadonlySet<string>> {
    return (await this.of(userId)).groups;
  }

  /** An administrator of the platform tenant: may edit permissions and manage every tenant's users. */
  async isPlatformOperator(identity: Identity): Promise<boolean> {
    return identity.tenant === PLATFORM_TENANT && (await this.groupsOf(identity.userid)).has(ADMIN_GROUP);
  }

  /** Call after any committed change of the permission tables or of a user's groups. */
  async changed(): Promise<void> {
    this.forget();
    await this.ctx.bus.publish(POLICY_TOPIC, null, { changed: Date.now() });
  }

  // A load in flight when this runs is dropped with the map: later requests load afresh.
  private forget(): void {
    this.rights.clear();
  }

  private of(userId: number): Promise<Rights> {
    let r = this.rights.get(userId);
    if (!r) {
      r = this.load(userId);
      if (this.rights.size >= MAX_CACHED_USERS) this.rights.clear();
      this.rights.set(userId, r);
      // A failed load is not cached; the next request tries again.
      r.catch(() => this.rights.get(userId) === r && this.rights.delete(userId));
    }
    return r;
  }

  private async load(userId: number): Promise<Rights> {
    const { rules, groups } = await papStore.rightsOf(this.ctx.store, userId);
    const compiled: CompiledRule[] = [];
    for (const rule of rules) {
      try {
        compiled.push(compileRule(rule));
      } catch (err) {
        // Patterns are checked when written; one that no longer compiles grants nothing.
        this.ctx.log.error({ err, rule }, 'permission pattern does not compile: ignored');
      }
    }
    return { rules: compiled, groups: new Set(groups) };
  }
}
