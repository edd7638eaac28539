// Issue 11, Kafka, end to end: a user of tenant B deploys a function node that escapes Node's vm,
// asks the supervisor for the runtime's Kafka credentials as the runtime itself does, loads
// kafkajs and writes to another tenant's topic. The escape works (the sandbox of the runtime
// process is another defence); what must hold is Kafka's: the credentials are tenant B's
// principal, which the broker refuses everything outside B's topics and groups.
// Needs DOJOT_TEST_KAFKA_BROKERS (a broker that authenticates clients, DOJOT_TEST_KAFKA_SSL_*,
// DOJOT_TEST_KAFKA_TENANT_CA_*), DOJOT_TEST_POSTGRES_URL and DOJOT_TEST_REDIS_URL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { requireKafkaAuth, requireService } from './helpers/services.js';
import {
  createServiceDeployment,
  startTestPlatform,
  type ServiceDeployment,
  type TestPlatform,
} from './helpers/start-platform.js';
import { eventually } from './helpers/mqtt.js';

/** Longest wait for a tenant runtime (a Node-RED process) to serve, ms. */
const RUNTIME_MS = 60_000;

/**
 * The hostile function: `msg.constructor.constructor` reaches the host's `process`; the request
 * is the runtime's own IPC protocol (runtime/supervisor/ipc.ts), answered for this runtime's tenant.
 */
const ESCAPE = `
const p = msg.constructor.constructor('return process')();
const kafkajs = p.getBuiltinModule('module').createRequire(p.argv[1])('kafkajs');
const id = 2e9 + Math.floor(Math.random() * 1e6);
const creds = await new Promise((resolve, reject) => {
  const on = (m) => {
    if (!m || m.t !== 'res' || m.id !== id) return;
    p.off('message', on);
    m.ok ? resolve(m.value) : reject(new Error(m.error.message));
  };
  p.on('message', on);
  p.send({ t: 'req', id, op: 'kafka.credentials', args: [] });
});
const k = new kafkajs.Kafka({
  brokers: msg.req.query.brokers.split(','),
  ssl: creds ? { ca: creds.ca, cert: creds.cert, key: creds.key } : undefined,
  logLevel: kafkajs.logLevel.NOTHING,
  retry: { retries: 0 },
});
const producer = k.producer({ allowAutoTopicCreation: false });
try {
  await producer.connect();
  await producer.send({ topic: msg.req.query.topic, messages: [{ value: '{"stolen":true}' }] });
  msg.payload = { wrote: true, principal: creds ? 'own' : 'none' };
} catch (e) {
  msg.payload = { wrote: false, error: e.type || e.message };
}
await producer.disconnect().catch(() => {});
return msg;
`;

describe("a function node that escapes and takes the runtime's Kafka credentials", function () {
  this.timeout(120_000);
  const tenant = `e${randomBytes(4).toString('hex')}`;
  let deployment: ServiceDeployment | undefined;
  let p: TestPlatform;
  let brokers: string;
  let userJwt: string;

  const steal = async (topic: string) => {
    const r = await p.api(
      userJwt,
      'GET',
      `/flows/api/steal?topic=${encodeURIComponent(topic)}&brokers=${encodeURIComponent(brokers)}`,
    );
    return r.status === 200 ? (r.body as { wrote: boolean; error?: string }) : null;
  };

  before(async function () {
    this.timeout(90_000);
    for (const s of ['kafka', 'postgres', 'redis'] as const) await requireService.call(this, s);
    requireKafkaAuth.call(this);
    deployment = await createServiceDeployment();
    brokers = deployment.env.DOJOT_KAFKA_BROKERS;
    p = await startTestPlatform(deployment.env);
    const admin = await p.login();
    const made = await p.api(admin, 'POST', '/auth/user', {
      username: `u${tenant}`,
      service: tenant,
      email: `u@${tenant}.io`,
      name: 'B',
      profile: 'user',
      passwd: 'userpass1',
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    userJwt = await p.login(`u${tenant}`, 'userpass1');
    const flow = await p.api(userJwt, 'POST', '/flows/v1/flow', {
      name: 'escape',
      flow: [
        { id: 'h', type: 'http in', url: '/steal', method: 'get', wires: [['f']] },
        { id: 'f', type: 'function', func: ESCAPE, wires: [['out']] },
        { id: 'out', type: 'http response', wires: [] },
      ],
    });
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
    // The escape works: with the tenant's credentials it writes the tenant's own topic.
    const own = await eventually(
      () => steal(`${tenant}.device-data`),
      (r) => r !== null,
      RUNTIME_MS,
    );
    assert.deepEqual(own, { wrote: true, principal: 'own' });
  });

  after(async () => {
    await p?.close();
    await deployment?.drop();
  });

  for (const victim of ['admin.device-data', 'admin.dojot.device-manager.device', 'dojot-management.dojot.tenancy']) {
    it(`cannot write ${victim}`, async () => {
      const r = await steal(victim);
      assert.equal(r?.wrote, false, `the escaped flow wrote ${victim}`);
      assert.match(r.error ?? '', /TOPIC_AUTHORIZATION_FAILED|not authorized to access topics/i);
    });
  }
});
