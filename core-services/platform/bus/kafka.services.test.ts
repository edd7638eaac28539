import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaTestTls, kafkaTlsEnv, requireService } from '../../../test/helpers/services.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../log.js';
import type { BusMessage } from './bus.js';
import { busContract } from './bus.contract.js';
import { createBus } from './index.js';
import { createKafkaBus, type KafkaBus } from './kafka.js';
import type { DeadLetterSink } from './poison.js';

// Every topic and group of this run starts with RUN, so runs on a shared broker never meet and
// the after hook can remove what this run made.
const RUN = `k${randomUUID().slice(0, 8)}`;
const GROUP_PREFIX = `test-${RUN}-`;
const PARTITIONS = 4;
const log = createLogger(process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent');

describe('Kafka bus', function () {
  let brokers: string[] = [];
  let n = 0;
  const tenant = () => `${RUN}x${++n}`;
  const open = (deadLetters?: DeadLetterSink) =>
    createKafkaBus({
      brokers,
      partitions: PARTITIONS,
      replicationFactor: 1,
      groupPrefix: GROUP_PREFIX,
      topicRefreshMs: 500,
      ssl: kafkaTestTls(),
      log,
      deadLetters,
    });

  before(async function () {
    brokers = (await requireService.call(this, 'kafka')).split(',');
  });

  after(async function () {
    if (brokers.length === 0) return;
    const ssl = kafkaTestTls();
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, ...(ssl ? { ssl } : {}) }).admin();
    await admin.connect();
    try {
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(RUN));
      if (topics.length) await admin.deleteTopics({ topics });
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(GROUP_PREFIX));
      if (groups.length) await admin.deleteGroups(groups).catch(() => {});
    } finally {
      await admin.disconnect();
    }
  });

  busContract({
    build: open,
    settle: async (bus) => {
      assert.ok(await (bus as KafkaBus).drained(), 'the bus did not drain within 30 s');
    },
    tenant,
  });

  describe('beyond the contract', () => {
    const buses: KafkaBus[] = [];
    const track = async () => {
      const b = await open();
      buses.push(b);
      return b;
    };
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((b) => b.close()));
    });
    const values = (got: BusMessage[]) => got.map((m) => m.value);

    it('is chosen by DOJOT_KAFKA_BROKERS', async () => {
      const bus = await createBus(loadConfig({ DOJOT_KAFKA_BROKERS: brokers.join(','), ...kafkaTlsEnv() }), log);
      try {
        assert.equal(bus.kind, 'kafka');
      } finally {
        await bus.close();
      }
    });

    it('creates a topic on first use with the configured number of partitions', async () => {
      const bus = await track();
      const topic = `${tenant()}.device-data`;
      await bus.publish(topic, 'd1', { attrs: {} });
      const meta = await bus.admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(meta.topics[0].partitions.length, PARTITIONS);
    });

    it('refuses a topic name Kafka cannot hold, and a batch with a value JSON cannot hold, whole', async () => {
      const bus = await track();
      await assert.rejects(bus.publish('no spaces allowed', 'k', 1), /not a valid Kafka topic name/);
      const topic = `${tenant()}.device-data`;
      const got: BusMessage[] = [];
      await bus.subscribe({ topic, group: 'whole', handler: async (b) => void got.push(...b) });
      await assert.rejects(
        bus.publishMany([
          { topic, key: 'k', value: 1 },
          { topic, key: 'k', value: 2n },
        ]),
        /BigInt/,
      );
      await bus.publish(topic, 'k', 3);
      assert.ok(await bus.drained());
      assert.deepEqual(values(got), [3]);
    });

    it('resolves many concurrent publishes, keeping each key in call order', async () => {
      const bus = await track();
      const topic = `${tenant()}.device-data`;
      const got: BusMessage[] = [];
      await bus.subscribe({ topic, group: 'burst', handler: async (b) => void got.push(...b) });
      await Promise.all(Array.from({ length: 2000 }, (_, i) => bus.publish(topic, `d${i % 7}`, { i })));
      assert.ok(await bus.drained());
      assert.equal(got.length, 2000);
      for (let k = 0; k < 7; k++) {
        const seq = got.filter((m) => m.key === `d${k}`).map((m) => (m.value as { i: number }).i);
        assert.deepEqual(
          seq,
          [...seq].sort((x, y) => x - y),
        );
      }
      assert.equal(new Set(got.map((m) => m.id)).size, 2000);
    });

    it('resumes a group where it stopped: nothing lost or repeated across a restart', async () => {
      const topic = `${tenant()}.device-data`;
      const first = await track();
      const got1: BusMessage[] = [];
      await first.subscribe({ topic, group: 'resume', handler: async (b) => void got1.push(...b) });
      await first.publishMany(Array.from({ length: 10 }, (_, i) => ({ topic, key: `d${i % 3}`, value: i })));
      assert.ok(await first.drained());
      await first.close();
      // Published while no member of the group runs.
      const publisher = await track();
      await publisher.publishMany(Array.from({ length: 10 }, (_, i) => ({ topic, key: `d${i % 3}`, value: 10 + i })));
      const second = await track();
      const got2: BusMessage[] = [];
      await second.subscribe({ topic, group: 'resume', handler: async (b) => void got2.push(...b) });
      assert.ok(await second.drained());
      assert.deepEqual(
        (values(got1) as number[]).sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      assert.deepEqual(
        (values(got2) as number[]).sort((a, b) => a - b),
        [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
      );
    });

    it("splits a group's partitions between two instances, each message handled once", async () => {
      const topic = `${tenant()}.device-data`;
      const [one, two] = [await track(), await track()];
      const got1: BusMessage[] = [];
      const got2: BusMessage[] = [];
      await one.subscribe({ topic, group: 'pair', handler: async (b) => void got1.push(...b) });
      await two.subscribe({ topic, group: 'pair', handler: async (b) => void got2.push(...b) });
      await one.publishMany(Array.from({ length: 400 }, (_, i) => ({ topic, key: `dev${i % 40}`, value: i })));
      assert.ok(await one.drained());
      assert.ok(got1.length > 0 && got2.length > 0, `one instance got nothing (${got1.length}/${got2.length})`);
      assert.deepEqual(
        [...values(got1), ...values(got2)].sort((a, b) => (a as number) - (b as number)),
        Array.from({ length: 400 }, (_, i) => i),
      );
      const keys1 = new Set(got1.map((m) => m.key));
      assert.ok(
        got2.every((m) => !keys1.has(m.key)),
        "a device's messages went to both instances",
      );
    });

    it('gives a pattern subscription the topics another instance creates later, from their start', async () => {
      const reader = await track();
      const writer = await track();
      const prefix = `${tenant()}late`;
      const got: BusMessage[] = [];
      await reader.subscribe({
        topic: new RegExp(`^${prefix}\\d+\\.device-data$`),
        group: 'late',
        handler: async (b) => void got.push(...b),
      });
      // The reader learns of these topics only from its periodic refresh (500 ms here).
      await writer.publish(`${prefix}1.device-data`, 'a', 1);
      await writer.publish(`${prefix}2.device-data`, 'b', 2);
      const deadline = Date.now() + 20_000;
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual((values(got) as number[]).sort(), [1, 2]);
    });

    it('carries the message id in a header and the publish time as the timestamp', async () => {
      const bus = await track();
      const topic = `${tenant()}.device-data`;
      const got: BusMessage[] = [];
      await bus.subscribe({ topic, group: 'meta', handler: async (b) => void got.push(...b) });
      const before = Date.now();
      await bus.publishMany([
        { topic, key: 'd', value: { a: 1 } },
        { topic, key: null, value: null },
      ]);
      assert.ok(await bus.drained());
      assert.equal(got.length, 2);
      for (const m of got) {
        assert.match(m.id, /^[0-9a-f-]{36}$/);
        assert.ok(m.timestamp >= before - 1000 && m.timestamp <= Date.now());
      }
      assert.notEqual(got[0].id, got[1].id);
      assert.deepEqual(got.find((m) => m.key === null)?.value, null);
    });
  });
});
