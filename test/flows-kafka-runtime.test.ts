// On Kafka, a tenant runtime is a Kafka client of its own (issue 5): it consumes its tenant's
// topics with its own consumer group, so a runtime that dies loses nothing that was published
// meanwhile: Kafka holds it until the restarted runtime reads on from its last commit.
// Needs DOJOT_TEST_KAFKA_BROKERS, DOJOT_TEST_POSTGRES_URL and DOJOT_TEST_REDIS_URL.
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { kafkaTestTls, requireKafkaAuth, requireService } from './helpers/services.js';
import {
  createServiceDeployment,
  startTestPlatform,
  type ServiceDeployment,
  type TestPlatform,
} from './helpers/start-platform.js';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';

/** Longest wait for a tenant runtime (a Node-RED process) to serve, ms. */
const RUNTIME_MS = 60_000;

describe('tenant runtimes on Kafka', function () {
  this.timeout(120_000);
  let deployment: ServiceDeployment | undefined;
  let p: TestPlatform;
  let jwt: string;
  let device: string;
  let groupPrefix: string;
  let kafka: Kafka;

  const runtime = async () =>
    (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: { tenant: string }) => r.tenant === 'admin');
  const counted = async () => {
    const r = await p.api(jwt, 'GET', '/flows/api/count');
    return r.status === 200 ? (r.body as { n: number; last: number }) : null;
  };

  before(async function () {
    this.timeout(90_000);
    for (const s of ['kafka', 'postgres', 'redis'] as const) await requireService.call(this, s);
    deployment = await createServiceDeployment();
    groupPrefix = deployment.env.DOJOT_KAFKA_GROUP_PREFIX;
    const ssl = kafkaTestTls();
    kafka = new Kafka({
      brokers: deployment.env.DOJOT_KAFKA_BROKERS.split(','),
      clientId: 'dojot-red-test',
      logLevel: logLevel.NOTHING,
      ...(ssl ? { ssl } : {}),
    });
    p = await startTestPlatform(deployment.env);
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 't',
      attrs: [{ label: 'n', type: 'dynamic', value_type: 'integer' }],
    });
    device = (await p.api(jwt, 'POST', '/device', { label: 'counter', templates: [t.body.template.id] })).body
      .devices[0].id;
    const flow = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'count',
      flow: [
        { id: 'in', type: 'dojot bus in', subject: 'device-data', wires: [['keep']] },
        {
          id: 'keep',
          type: 'function',
          func: 'const c = global.get("count", "persistent") || { n: 0, last: 0 }; c.n += 1; c.last = msg.payload.attrs.n; global.set("count", c, "persistent"); return null;',
          wires: [],
        },
        { id: 'h', type: 'http in', url: '/count', method: 'get', wires: [['read']] },
        {
          id: 'read',
          type: 'function',
          func: 'msg.payload = global.get("count", "persistent") || { n: 0, last: 0 }; return msg;',
          wires: [['out']],
        },
        { id: 'out', type: 'http response', wires: [] },
      ],
    });
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
    await eventually(counted, (c) => c !== null, RUNTIME_MS);
  });

  after(async () => {
    await p?.close();
    await deployment?.drop();
  });

  it("reads its tenant's topics as a Kafka client of its own, in a group shared by every instance", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const rt = await runtime();
      const { groups } = await admin.describeGroups([`${groupPrefix}admin.flow-runtimes:admin.device-data`]);
      assert.equal(groups[0].state, 'Stable', JSON.stringify(groups[0]));
      assert.deepEqual(
        groups[0].members.map((m) => m.clientId),
        ['dojot-red-flows-admin'],
        `the runtime (pid ${rt.pid}) is the group's only member`,
      );
      // On a broker that authenticates clients, the runtime's principal is the tenant's own,
      // given its ACLs when the runtime started (runtime/supervisor/kafka-tenant-access.ts).
      if (kafkaTestTls()?.cert) {
        const acls = await admin.describeAcls({
          resourceType: 1,
          resourcePatternType: 1,
          principal: 'User:tenant-admin',
          host: '*',
          operation: 1,
          permissionType: 1,
        } as never);
        const granted = acls.resources.map((r) => `${r.resourceType}:${r.resourceName}`);
        assert.ok(granted.includes('2:admin.') && granted.includes(`3:${groupPrefix}admin.`), granted.join(', '));
        // Other test deployments on this broker add their own group prefixes for tenant admin.
        assert.ok(
          granted.every((g) => g === '2:admin.' || /^3:.*\.admin\.$/.test(g)),
          `topics admin.* and groups <prefix>admin.* only: ${granted.join(', ')}`,
        );
      }
      // The platform process no longer consumes the tenants' device data on the runtimes' behalf.
      const all = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(groupPrefix));
      assert.ok(
        !all.some((g) => g.includes('flow-runtimes:/')),
        `no pattern group of the supervisor: ${all.join(', ')}`,
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('processes, after a crash of the runtime, what devices published while it was down', async () => {
    const client = await connectDevice(p.mqttPort!, `admin:${device}`);
    try {
      const send = (n: number) => client.publishAsync(`admin:${device}/attrs`, JSON.stringify({ n }), { qos: 1 });
      await send(1);
      await eventually(counted, (c) => c?.n === 1, 10_000);
      // The persistent context reaches the store a moment later: the crash must not undo it.
      await eventually(
        () =>
          p.store.query<{ value: { n: number } }>(
            "SELECT value FROM flow_context WHERE tenant = 'admin' AND scope = 'global' AND key = 'count'",
          ),
        (r) => r[0]?.value.n === 1,
        5_000,
      );
      const before = await runtime();
      process.kill(before.pid, 'SIGKILL');
      // Published while no runtime reads: the platform acknowledges them (QoS 1) into Kafka.
      for (let n = 2; n <= 50; n++) await send(n);
      await eventually(runtime, (r) => r.restarts === before.restarts + 1 && r.state === 'running', RUNTIME_MS);
      const got = await eventually(counted, (c) => c !== null && c.n >= 50, 30_000);
      assert.deepEqual(got, { n: 50, last: 50 }, 'every message once, in order');
      await sleep(1_000); // deliberately a fixed time: no message is handled a second time meanwhile
      assert.deepEqual(await counted(), { n: 50, last: 50 }, 'nothing handled twice');
    } finally {
      client.end(true);
    }
  });

  it("gives a new tenant's runtime a Kafka principal of its own when it starts, and deletes its ACLs with the tenant", async function () {
    requireKafkaAuth.call(this);
    const tenant = `k${randomBytes(4).toString('hex')}`;
    const username = `u${tenant}`;
    const principal = `User:tenant-${tenant}`;
    const admin = kafka.admin();
    await admin.connect();
    const acls = async () =>
      (
        await admin.describeAcls({
          resourceType: 1,
          resourcePatternType: 1,
          principal,
          host: '*',
          operation: 1,
          permissionType: 1,
        } as never)
      ).resources
        .map((r) => `${r.resourceType}:${r.resourceName}`)
        .sort();
    try {
      // A tenant's first user creates it (CREATE on dojot-management.dojot.tenancy): its runtime starts.
      const made = await p.api(jwt, 'POST', '/auth/user', {
        username,
        service: tenant,
        email: `${username}@x.io`,
        name: 'K',
        profile: 'admin',
        passwd: 'kpass123',
      });
      assert.equal(made.status, 200, JSON.stringify(made.body));
      // The topic and group ACLs are two requests: wait for both, not for the first to show.
      assert.deepEqual(await eventually(acls, (a) => a.length >= 2, RUNTIME_MS), [
        `2:${tenant}.`,
        `3:${groupPrefix}${tenant}.`,
      ]);
      // Its last user's removal deletes the tenant (DELETE): its runtime stops and its ACLs go.
      const removed = await p.api(jwt, 'DELETE', `/auth/user/${username}`);
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.deepEqual(await eventually(acls, (a) => a.length === 0, 20_000), [], 'the deleted tenant keeps no ACL');
    } finally {
      await admin.disconnect();
    }
  });
});
