import assert from 'node:assert/strict';
import { MemoryBus } from '../platform/bus/memory.js';
import { MemoryCache } from '../platform/cache/memory.js';
import { loadConfig } from '../platform/config.js';
import type { PlatformContext } from '../platform/context.js';
import type { Identity } from '../platform/contracts/identity.js';
import { createLogger } from '../platform/log.js';
import { migrate } from '../platform/store/migrate.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Store } from '../platform/store/index.js';
import { papStore } from './pap-store.js';
import { Policy } from './policy.js';

// Two policies on one store and one bus stand for two platform instances.
describe('the gateway policy', () => {
  let store: Store;
  let bus: MemoryBus;
  let a: Policy;
  let b: Policy;
  let reader: Identity;

  before(async () => {
    const config = loadConfig({ DOJOT_LOG_LEVEL: 'silent' });
    const log = createLogger(config.logLevel);
    store = await openPgliteStore();
    await migrate(store);
    bus = new MemoryBus(log);
    const ctx: PlatformContext = { config, log, bus, store, cache: new MemoryCache() };
    a = new Policy(ctx);
    b = new Policy(ctx);
    await a.start();
    await b.start();
    await store.query("INSERT INTO tenants (name) VALUES ('acme')");
    const [u] = await store.query<{ id: number }>(
      "INSERT INTO users (username, name, service, email, profile, created_by) VALUES ('rita', 'Rita', 'acme', 'r@x.io', 'readers', 'test') RETURNING id",
    );
    const group = await papStore.insertGroup(store, { name: 'readers', description: null, createdBy: 'test' });
    const perm = await papStore.insertPermission(store, {
      name: 'ro_device',
      path: '/device/(.*)',
      method: 'GET',
      permission: 'permit',
      createdBy: 'test',
    });
    await papStore.link(store, 'group_permissions', group, perm);
    await papStore.link(store, 'user_groups', u.id, group);
    reader = { tenant: 'acme', username: 'rita', userid: u.id, profile: 'readers', groups: [group] };
  });
  after(async () => {
    await a.close();
    await b.close();
    await bus.close();
    await store.close();
  });

  it("permits what the user's groups permit and nothing else", async () => {
    assert.equal(await a.decide(reader, 'GET', '/device/ab12'), 'permit');
    assert.equal(await a.decide(reader, 'POST', '/device'), 'deny');
    assert.equal(await a.decide(reader, 'GET', '/flows/v1/flow'), 'deny');
  });

  it('keeps decisions cached until a change, then every instance decides on the new rights', async () => {
    assert.equal(await a.decide(reader, 'GET', '/template'), 'deny');
    assert.equal(await b.decide(reader, 'GET', '/template'), 'deny');
    const perm = await papStore.insertPermission(store, {
      name: 'ro_template',
      path: '/template/(.*)',
      method: 'GET',
      permission: 'permit',
      createdBy: 'test',
    });
    await papStore.link(store, 'user_permissions', reader.userid, perm);
    assert.equal(await b.decide(reader, 'GET', '/template'), 'deny', 'cached until told');
    await a.changed();
    assert.equal(await a.decide(reader, 'GET', '/template'), 'permit', 'the changing instance at once');
    await bus.drained();
    assert.equal(await b.decide(reader, 'GET', '/template'), 'permit', 'the other instance through the bus');
  });

  it('lets a direct deny win over a group permit', async () => {
    const deny = await papStore.insertPermission(store, {
      name: 'no_device_ab12',
      path: '/device/ab12/',
      method: '(.*)',
      permission: 'deny',
      createdBy: 'test',
    });
    await papStore.link(store, 'user_permissions', reader.userid, deny);
    await a.changed();
    assert.equal(await a.decide(reader, 'GET', '/device/ab12'), 'deny');
    assert.equal(await a.decide(reader, 'GET', '/device/cd34'), 'permit');
  });

  it('knows the platform operator from the store, not from the token', async () => {
    await store.query("INSERT INTO tenants (name) VALUES ('admin')");
    const [admin] = await store.query<{ id: number }>(
      "INSERT INTO users (username, name, service, email, profile, created_by) VALUES ('admin', 'A', 'admin', 'a@x.io', 'admin', 'test') RETURNING id",
    );
    const op: Identity = { tenant: 'admin', username: 'admin', userid: admin.id, profile: 'admin', groups: [1] };
    assert.equal(await a.isPlatformOperator(op), false, 'profile and token groups say admin, the store does not');
    await papStore.link(store, 'user_groups', admin.id, 1);
    await a.changed();
    assert.equal(await a.isPlatformOperator(op), true);
    assert.equal(await a.isPlatformOperator({ ...reader, tenant: 'acme' }), false);
  });
});
