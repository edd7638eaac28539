// One bad message must not stop everyone: a message a consumer cannot process (a NUL PostgreSQL
// refuses, an array nested 40,000 deep) is set aside as a dead letter, and every other tenant's
// data goes on being stored. A tenant's admins list and delete their dead letters over REST;
// /health counts them.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { connectDevice, eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { kafkaTestTls } from './helpers/services.js';
import { ID_HEADER } from '../core-services/platform/bus/kafka.js';

/** A reading whose temperature is an array nested `depth` deep, as JSON text: JSON.stringify throws a RangeError on the parsed value. */
const deepReading = (tenant: string, device: string, depth: number) =>
  `{"metadata":{"deviceid":"${device}","tenant":"${tenant}","timestamp":${Date.now()}},"attrs":{"temperature":${'['.repeat(depth)}1${']'.repeat(depth)}}}`;

/**
 * Puts JSON text on the bus as a foreign producer would: our own bus cannot serialise what JSON
 * cannot hold, so on Kafka the text goes straight to the broker.
 */
async function publishText(p: TestPlatform, topic: string, key: string, text: string): Promise<void> {
  if (p.config.kafkaBrokers.length === 0) return p.bus.publish(topic, key, JSON.parse(text));
  // A foreign producer with the test broker's client certificate (a super user), as an operator's tool would be.
  const producer = new Kafka({
    brokers: p.config.kafkaBrokers,
    logLevel: logLevel.NOTHING,
    ...(kafkaTestTls() ? { ssl: kafkaTestTls() } : {}),
  }).producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key, value: text, headers: { [ID_HEADER]: `deep-${Date.now()}` } }] });
  } finally {
    await producer.disconnect();
  }
}

describe('poison isolation', function () {
  this.timeout(90_000);
  let p: TestPlatform;
  let admin: string;
  let beta: string;
  let betaUser: string;
  let aDevice: string;
  let bDevice: string;
  const logLines: string[] = [];

  const makeDevice = async (token: string, label: string) => {
    const t = await p.api(token, 'POST', '/template', {
      label: `${label}-t`,
      attrs: [
        { label: 'temperature', type: 'dynamic', value_type: 'float' },
        { label: 'fan', type: 'actuator', value_type: 'string' },
      ],
    });
    const d = await p.api(token, 'POST', '/device', { label, templates: [t.body.template.id] });
    return d.body.devices[0].id as string;
  };
  const reading = (tenant: string, device: string, value: unknown) => ({
    metadata: { deviceid: device, tenant, timestamp: Date.now() },
    attrs: { temperature: value },
  });
  const history = async (token: string, device: string) => {
    const res = await p.api(token, 'GET', `/history/device/${device}/history?lastN=100&attr=temperature`);
    return res.status === 200 ? (res.body as { value: unknown }[]).map((r) => r.value) : [];
  };
  const letters = async (token: string, query = '') =>
    (await p.api(token, 'GET', `/dead-letters/v1/letters${query}`)).body as { letters: any[]; count: number };

  before(async () => {
    const sink = new Writable({
      write: (chunk, _enc, cb) => (logLines.push(...String(chunk).split('\n').filter(Boolean)), cb()),
    });
    p = await startTestPlatform({}, { log: pino({ level: 'warn' }, sink) });
    admin = await p.login();
    for (const [username, profile] of [
      ['bea', 'admin'],
      ['bob', 'user'],
    ]) {
      const created = await p.api(admin, 'POST', '/auth/user', {
        username,
        service: 'beta',
        email: `${username}@beta.io`,
        name: username,
        profile,
        passwd: `${username}pass`,
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
    }
    beta = await p.login('bea', 'beapass');
    betaUser = await p.login('bob', 'bobpass');
    aDevice = await makeDevice(admin, 'a-dev');
    bDevice = await makeDevice(beta, 'b-dev');
  });
  after(async () => p?.close());

  it("stores every other tenant's data while one tenant's poison is set aside as dead letters", async () => {
    // What a foreign producer (or a device before edge validation) can put on the bus.
    await p.bus.publishMany([
      { topic: 'beta.device-data', key: bDevice, value: reading('beta', bDevice, 'a\u0000b') },
      { topic: 'admin.device-data', key: aDevice, value: reading('admin', aDevice, 1) },
    ]);
    await publishText(p, 'beta.device-data', bDevice, deepReading('beta', bDevice, 40_000));
    await p.bus.publishMany([
      { topic: 'admin.device-data', key: aDevice, value: reading('admin', aDevice, 2) },
      { topic: 'beta.device-data', key: bDevice, value: reading('beta', bDevice, 20.5) },
    ]);
    const published = Date.now();
    const stored = await eventually(
      () => history(admin, aDevice),
      (v) => v.length === 2,
      20_000,
    );
    assert.deepEqual([...stored].sort(), [1, 2], "the other tenant's readings are stored");
    assert.ok(Date.now() - published < 10_000, 'and soon');
    assert.deepEqual(
      await eventually(
        () => history(beta, bDevice),
        (v) => v.length === 1,
        10_000,
      ),
      [20.5],
      "the poisoned tenant's good reading too",
    );
    const got = await eventually(
      () => letters(beta),
      (l) => l.count === 2 && l.letters.length === 2,
      10_000,
    );
    assert.equal(got.count, 2);
    for (const l of got.letters) {
      assert.deepEqual([l.consumer, l.topic, l.key], ['history', 'beta.device-data', bDevice]);
      assert.ok(l.reason, 'a letter says why');
      assert.ok(l.id && l.messageId && l.at, 'a letter has its ids and when');
    }
    const nul = got.letters.find((l) => typeof l.value === 'object' && l.value.attrs.temperature === 'a\u0000b');
    assert.ok(nul, `the NUL message is kept whole: ${JSON.stringify(got.letters.map((l) => l.value)).slice(0, 300)}`);
    assert.ok(
      got.letters.some((l) => /not serialisable|RangeError|call stack/i.test(JSON.stringify(l.value) + l.reason)),
      'the deep one is kept with why',
    );
  });

  it('sets aside a notification and an actuation that cannot be stored, and goes on', async () => {
    await p.bus.publishMany([
      {
        topic: 'beta.dojot.notifications',
        key: null,
        value: {
          msgID: 'n-bad',
          timestamp: Date.now(),
          message: 'x\u0000y',
          metaAttrsFilter: { shouldPersist: true },
          subject: 'user_notification',
        },
      },
      {
        topic: 'beta.dojot.device-manager.device',
        key: bDevice,
        value: {
          event: 'configure',
          meta: { service: 'beta', timestamp: Date.now() },
          data: { id: bDevice, attrs: { fan: 'on\u0000' } },
        },
      },
      { topic: 'admin.device-data', key: aDevice, value: reading('admin', aDevice, 3) },
    ]);
    const got = await eventually(
      () => letters(beta),
      (l) => l.count === 4 && l.letters.length === 4,
      10_000,
    );
    assert.deepEqual(got.letters.map((l) => l.consumer).sort(), [
      'history',
      'history',
      'history',
      'history-notifications',
    ]);
    assert.equal(
      (
        await eventually(
          () => history(admin, aDevice),
          (v) => v.length === 3,
          10_000,
        )
      ).length,
      3,
    );
    assert.equal((await letters(beta, '?consumer=history-notifications')).count, 1);
  });

  it('shows the counts in /health without naming a tenant', async () => {
    const res = await fetch(`${p.httpUrl}/health`);
    const body = (await res.json()) as { checks: Record<string, { details?: Record<string, unknown> }> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.checks.deadLetters.details, { history: 3, 'history-notifications': 1 });
    assert.ok(((body.checks.consumers.details?.deadLettersSinceStart as number) ?? 0) >= 4);
    assert.doesNotMatch(JSON.stringify(body), /beta/);
  });

  it('shows a tenant only its own dead letters, and only to its admins', async () => {
    assert.equal((await letters(admin)).count, 0);
    const asUser = await p.api(betaUser, 'GET', '/dead-letters/v1/letters');
    assert.equal(asUser.status, 403, JSON.stringify(asUser.body));
    const bad = await p.api(beta, 'GET', '/dead-letters/v1/letters?limit=lots');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /limit/);
    const unknown = await p.api(beta, 'GET', '/dead-letters/v1/letters?tenant=admin');
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error, /tenant/);
  });

  it("deletes one dead letter, then the rest, and answers 404 for one gone or another tenant's", async () => {
    const [first] = (await letters(beta)).letters;
    assert.equal(
      (await p.api(admin, 'DELETE', `/dead-letters/v1/letters/${first.id}`)).status,
      404,
      "not the admin tenant's",
    );
    assert.equal((await p.api(beta, 'DELETE', `/dead-letters/v1/letters/${first.id}`)).status, 204);
    const again = await p.api(beta, 'DELETE', `/dead-letters/v1/letters/${first.id}`);
    assert.equal(again.status, 404);
    assert.match(again.body.error, new RegExp(first.id));
    assert.equal((await p.api(beta, 'DELETE', '/dead-letters/v1/letters/abc')).status, 400);
    const rest = await p.api(beta, 'DELETE', '/dead-letters/v1/letters');
    assert.deepEqual(rest.body, { deleted: 3 });
    assert.equal((await letters(beta)).count, 0);
  });

  it("keeps the dead letters a tenant runtime publishes, under the topic's tenant whatever they claim", async () => {
    await p.bus.publish('beta.dojot-red.dead-letters', 'k1', {
      tenant: 'admin',
      consumer: 'flow-runtime',
      topic: 'beta.device-data',
      key: 'k1',
      id: 'rt-1',
      timestamp: Date.now(),
      value: { t: 'a\u0000b' },
      reason: 'a node failed',
    });
    const got = await eventually(
      () => letters(beta, '?consumer=flow-runtime'),
      // The list and the count are two queries: on PostgreSQL's pool the row may land between them.
      (l) => l.count === 1 && l.letters.length === 1,
      10_000,
    );
    assert.equal(got.count, 1);
    assert.deepEqual(
      [got.letters[0].messageId, got.letters[0].reason, got.letters[0].value],
      ['rt-1', 'a node failed', { t: 'a\u0000b' }],
    );
    assert.equal((await letters(admin, '?consumer=flow-runtime')).count, 0);
    await p.api(beta, 'DELETE', '/dead-letters/v1/letters');
  });

  it('drops device payloads with a NUL, nested too deep or with too many keys at the MQTT edge, acknowledged, and logs it once', async () => {
    const device = await makeDevice(beta, 'c-dev');
    const c = await connectDevice(p.mqttPort!, `beta:${device}`);
    try {
      const bad = [
        '{"temperature":"a\\u0000b"}',
        `{"temperature":${'['.repeat(40_000)}${']'.repeat(40_000)}}`,
        JSON.stringify(Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i]))),
        '[1,2,3]',
      ];
      for (const payload of bad) await c.publishAsync(`beta:${device}/attrs`, payload, { qos: 1 }); // each gets its PUBACK
      await c.publishAsync(`beta:${device}/attrs`, '{"temperature":7}', { qos: 1 });
      assert.deepEqual(
        await eventually(
          () => history(beta, device),
          (v) => v.length > 0,
          10_000,
        ),
        [7],
      );
    } finally {
      await c.endAsync();
    }
    const lines = logLines.filter((l) => l.includes(`payloads of beta:${device} dropped`));
    assert.equal(lines.length, 1, 'one line per device per minute');
    assert.match(lines[0], /bad_text/);
    assert.equal((await letters(beta, '?consumer=history')).count, 0, 'nothing bad reached the consumers');
  });
});
