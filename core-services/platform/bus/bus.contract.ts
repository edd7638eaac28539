// The behaviour every bus adapter must show; each adapter's test runs it against a real backend.
import assert from 'node:assert/strict';
import type { Bus, BusMessage } from './bus.js';

export interface BusContractOptions {
  build: () => Promise<Bus>;
  /** Waits until everything published so far has been handled (or a bounded time passed). */
  settle: (bus: Bus) => Promise<void>;
  /** A prefix so runs against a shared broker do not see each other's topics. */
  tenant: () => string;
}

export function busContract(opts: BusContractOptions): void {
  let bus: Bus;
  beforeEach(async () => {
    bus = await opts.build();
  });
  afterEach(async () => {
    await bus.close();
  });

  const collect = async (topic: string | RegExp, group: string): Promise<BusMessage[]> => {
    const got: BusMessage[] = [];
    await bus.subscribe({ topic, group, handler: async (batch) => void got.push(...batch) });
    return got;
  };

  it('answers a ping while open, and fails it once closed', async () => {
    await bus.ping();
    await bus.close();
    await assert.rejects(bus.ping(), /closed/);
  });

  it('delivers a published message with its topic, key, value and an id', async () => {
    const topic = `${opts.tenant()}.device-data`;
    const got = await collect(topic, 'g1');
    await bus.publish(topic, 'abc123', { attrs: { t: 1 } });
    await opts.settle(bus);
    assert.equal(got.length, 1);
    assert.equal(got[0].topic, topic);
    assert.equal(got[0].key, 'abc123');
    assert.deepEqual(got[0].value, { attrs: { t: 1 } });
    assert.ok(got[0].id);
  });

  it('keeps the order of one key\'s messages', async () => {
    const topic = `${opts.tenant()}.device-data`;
    const got = await collect(topic, 'g1');
    await bus.publishMany(Array.from({ length: 200 }, (_, i) => ({ topic, key: i % 2 ? 'a' : 'b', value: { i } })));
    await opts.settle(bus);
    for (const key of ['a', 'b']) {
      const seq = got.filter((m) => m.key === key).map((m) => (m.value as { i: number }).i);
      assert.deepEqual(seq, [...seq].sort((x, y) => x - y));
      assert.equal(seq.length, 100);
    }
  });

  it('gives every group its own copy and matches patterns across tenants', async () => {
    const t1 = `${opts.tenant()}.device-data`;
    const t2 = `${opts.tenant()}.device-data`;
    const a = await collect(/^[^.]+\.device-data$/, 'ga');
    const b = await collect(t1, 'gb');
    await bus.publish(t1, 'k', 1);
    await bus.publish(t2, 'k', 2);
    await opts.settle(bus);
    // A shared broker may hold other runs' topics that match the pattern too: look at ours.
    assert.deepEqual(a.filter((m) => m.topic === t1 || m.topic === t2).map((m) => m.value).sort(), [1, 2]);
    assert.deepEqual(b.map((m) => m.value), [1]);
  });

  it('shares a group\'s work between its members, never giving one message to both', async () => {
    const topic = `${opts.tenant()}.device-data`;
    const m1 = await collect(topic, 'shared');
    const m2 = await collect(topic, 'shared');
    await opts.settle(bus);
    const keys = Array.from({ length: 16 }, (_, k) => `dev${k}`);
    await bus.publishMany(Array.from({ length: 160 }, (_, i) => ({ topic, key: keys[i % keys.length], value: { i } })));
    await opts.settle(bus);
    const all = [...m1, ...m2].map((m) => (m.value as { i: number }).i).sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 160 }, (_, i) => i));
    for (const member of [m1, m2]) {
      for (const key of keys) {
        const seq = member.filter((m) => m.key === key).map((m) => (m.value as { i: number }).i);
        assert.deepEqual(seq, [...seq].sort((x, y) => x - y));
      }
    }
  });

  it('keeps a message\'s id when it redelivers it', async () => {
    const topic = `${opts.tenant()}.device-data`;
    const ids: string[] = [];
    await bus.subscribe({
      topic,
      group: 'ids',
      handler: async (batch) => {
        ids.push(...batch.map((m) => m.id));
        if (ids.length === 1) throw new Error('transient');
      },
    });
    await bus.publish(topic, 'k', 'x');
    await opts.settle(bus);
    assert.equal(ids.length, 2);
    assert.equal(ids[0], ids[1]);
  });

  it('redelivers a batch whose handler failed (at least once)', async () => {
    const topic = `${opts.tenant()}.device-data`;
    let failures = 1;
    const seen: unknown[] = [];
    await bus.subscribe({
      topic,
      group: 'retry',
      handler: async (batch) => {
        if (failures-- > 0) throw new Error('transient');
        seen.push(...batch.map((m) => m.value));
      },
    });
    await bus.publish(topic, 'k', 'x');
    await opts.settle(bus);
    assert.deepEqual(seen, ['x']);
  });
}
