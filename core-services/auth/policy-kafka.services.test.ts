import assert from 'node:assert/strict';
import { kafkaTlsEnv, requireService } from '../../test/helpers/services.js';
import { createBus, type Bus } from '../platform/bus/index.js';
import { MemoryCache } from '../platform/cache/memory.js';
import { loadConfig } from '../platform/config.js';
import type { Identity } from '../platform/contracts/identity.js';
import { createLogger } from '../platform/log.js';
import { migrate } from '../platform/store/migrate.js';
import { openPgliteStore } from '../platform/store/pglite.js';
import type { Store } from '../platform/store/index.js';
import { papStore } from './pap-store.js';
import { Policy } from './policy.js';

// Two instances, each with its own Kafka client, sharing one store: a change made through one
// reaches the other's cached decisions through the policy topic.
describe('the gateway policy across instances on Kafka', function () {
  this.timeout(60_000);
  let store: Store;
  const buses: Bus[] = [];
  const policies: Policy[] = [];
  let rita: Identity;

  before(async function () {
    const brokers = await requireService.call(this, 'kafka');
    const config = loadConfig({
      DOJOT_KAFKA_BROKERS: brokers,
      DOJOT_KAFKA_GROUP_PREFIX: `policy-test-${Date.now()}.`,
      DOJOT_LOG_LEVEL: 'silent',
      ...kafkaTlsEnv(),
    });
    const log = createLogger(config.logLevel);
    store = await openPgliteStore();
    await migrate(store);
    for (let i = 0; i < 2; i++) {
      const bus = await createBus(config, log);
      buses.push(bus);
      const policy = new Policy({ config, log, bus, store, cache: new MemoryCache() });
      await policy.start();
      policies.push(policy);
    }
    await store.query("INSERT INTO tenants (name) VALUES ('acme')");
    const [u] = await store.query<{ id: number }>(
      "INSERT INTO users (username, name, service, email, profile, created_by) VALUES ('rita', 'Rita', 'acme', 'r@x.io', 'user', 'test') RETURNING id",
    );
    await papStore.link(store, 'user_groups', u.id, 2);
    rita = { tenant: 'acme', username: 'rita', userid: u.id, profile: 'user', groups: [2] };
  });
  after(async () => {
    for (const p of policies) await p.close();
    for (const b of buses) await b.close();
    await store?.close();
  });

  it("drops the other instance's cached rights when one instance changes them", async () => {
    const [a, b] = policies;
    assert.equal(await b.decide(rita, 'GET', '/device'), 'permit', 'group user reads devices');
    const deny = await papStore.insertPermission(store, {
      name: 'no_devices',
      path: '/device/(.*)',
      method: '(.*)',
      permission: 'deny',
      createdBy: 'test',
    });
    await papStore.link(store, 'user_permissions', rita.userid, deny);
    assert.equal(await b.decide(rita, 'GET', '/device'), 'permit', 'cached until told');
    await a.changed();
    const end = Date.now() + 30_000;
    while ((await b.decide(rita, 'GET', '/device')) !== 'deny' && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(await b.decide(rita, 'GET', '/device'), 'deny', 'the other instance, through Kafka');
  });
});
