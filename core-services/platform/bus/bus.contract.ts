// The behaviour every bus adapter must show; each adapter's test runs it against a real backend.
import assert from 'node:assert/strict';
import type { Bus, BusMessage } from './bus.js';
import { transientError, type DeadLetter, type DeadLetterSink } from './poison.js';

export interface BusContractOptions {
  /** A bus; with `deadLetters`, one that sets poison aside there. */
  build: (deadLetters?: DeadLetterSink) => Promise<Bus>;
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

  it('hands a subscription with an events filter only those events, and reads on past the others', async () => {
    const topic = `${opts.tenant()}.dojot.device-manager.device`;
    const filtered: BusMessage[][] = [];
    await bus.subscribe({
      topic,
      group: 'g-events',
      events: ['configure', 'remove'],
      handler: async (batch) => void filtered.push(batch),
    });
    const all = await collect(topic, 'g-all');
    const kinds = ['create', 'configure', 'update', 'remove', 'create'];
    await bus.publishMany([
      ...kinds.map((event, i) => ({ topic, key: `d${i}`, value: { event, data: { id: `d${i}` } } })),
      { topic, key: 'x', value: 'not an event' },
      { topic, key: 'y', value: null },
    ]);
    await opts.settle(bus);
    assert.equal(all.length, 7, 'a group without the filter sees every message');
    // Two keys: Kafka keeps the order of each key's messages, not across keys.
    assert.deepEqual(
      filtered
        .flat()
        .map((m) => (m.value as { event: string }).event)
        .sort(),
      ['configure', 'remove'],
    );
    assert.ok(
      filtered.every((b) => b.length > 0),
      'a batch with nothing the filter keeps is not handed over',
    );
  });

  it("keeps the order of one key's messages", async () => {
    const topic = `${opts.tenant()}.device-data`;
    const got = await collect(topic, 'g1');
    await bus.publishMany(Array.from({ length: 200 }, (_, i) => ({ topic, key: i % 2 ? 'a' : 'b', value: { i } })));
    await opts.settle(bus);
    for (const key of ['a', 'b']) {
      const seq = got.filter((m) => m.key === key).map((m) => (m.value as { i: number }).i);
      assert.deepEqual(
        seq,
        [...seq].sort((x, y) => x - y),
      );
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
    assert.deepEqual(
      a
        .filter((m) => m.topic === t1 || m.topic === t2)
        .map((m) => m.value)
        .sort(),
      [1, 2],
    );
    assert.deepEqual(
      b.map((m) => m.value),
      [1],
    );
  });

  it("shares a group's work between its members, never giving one message to both", async () => {
    const topic = `${opts.tenant()}.device-data`;
    const m1 = await collect(topic, 'shared');
    const m2 = await collect(topic, 'shared');
    await opts.settle(bus);
    const keys = Array.from({ length: 16 }, (_, k) => `dev${k}`);
    await bus.publishMany(Array.from({ length: 160 }, (_, i) => ({ topic, key: keys[i % keys.length], value: { i } })));
    await opts.settle(bus);
    const all = [...m1, ...m2].map((m) => (m.value as { i: number }).i).sort((x, y) => x - y);
    assert.deepEqual(
      all,
      Array.from({ length: 160 }, (_, i) => i),
    );
    for (const member of [m1, m2]) {
      for (const key of keys) {
        const seq = member.filter((m) => m.key === key).map((m) => (m.value as { i: number }).i);
        assert.deepEqual(
          seq,
          [...seq].sort((x, y) => x - y),
        );
      }
    }
  });

  it("keeps a message's id when it redelivers it", async () => {
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

  describe('with a dead-letter store', () => {
    let own: Bus;
    let letters: DeadLetter[];
    beforeEach(async () => {
      letters = [];
      own = await opts.build(async (l) => void letters.push(...l));
    });
    afterEach(async () => own.close());

    it('sets aside the message a handler always fails on, with its reason, and hands over the rest of its batch in order', async () => {
      const tenant = opts.tenant();
      const topic = `${tenant}.device-data`;
      const got: number[] = [];
      let firstFailure = 0;
      let lastHandled = 0;
      await own.subscribe({
        topic,
        group: 'poison',
        handler: async (batch) => {
          if (batch.some((m) => (m.value as { bad?: boolean }).bad)) {
            firstFailure ||= Date.now();
            throw new Error('cannot store this one');
          }
          got.push(...batch.map((m) => (m.value as { i: number }).i));
          lastHandled = Date.now();
        },
      });
      await own.publishMany(
        Array.from({ length: 40 }, (_, i) => ({ topic, key: 'k', value: i === 17 ? { i, bad: true } : { i } })),
      );
      await opts.settle(own);
      assert.deepEqual(
        got,
        Array.from({ length: 40 }, (_, i) => i).filter((i) => i !== 17),
      );
      assert.equal(letters.length, 1);
      assert.deepEqual(
        [letters[0].tenant, letters[0].consumer, letters[0].topic, letters[0].key, letters[0].value],
        [tenant, 'poison', topic, 'k', { i: 17, bad: true }],
      );
      assert.match(letters[0].reason, /cannot store this one/);
      assert.equal(own.consumers().find((c) => c.group === 'poison')?.deadLetters, 1);
      assert.ok(
        lastHandled - firstFailure < 1_000,
        `the rest waited ${lastHandled - firstFailure} ms on the poison (at most a second)`,
      );
    });

    it('sets aside many bad messages of one batch quickly, delivering every good one', async () => {
      const topic = `${opts.tenant()}.device-data`;
      const got: number[] = [];
      let firstFailure = 0;
      let lastHandled = 0;
      await own.subscribe({
        topic,
        group: 'many-poisons',
        handler: async (batch) => {
          if (batch.some((m) => (m.value as number) % 2 === 1)) {
            firstFailure ||= Date.now();
            throw new Error('odd');
          }
          got.push(...batch.map((m) => m.value as number));
          lastHandled = Date.now();
        },
      });
      await own.publishMany(Array.from({ length: 120 }, (_, i) => ({ topic, key: 'k', value: i })));
      await opts.settle(own);
      assert.deepEqual(
        got,
        Array.from({ length: 60 }, (_, i) => i * 2),
      );
      assert.equal(letters.length, 60);
      // Without telling poison from an outage once part of the batch went through, each would cost 150 ms (9 s).
      assert.ok(lastHandled - firstFailure < 3_000, `60 bad messages held the rest ${lastHandled - firstFailure} ms`);
    });

    it('sets nothing aside while failures are transient (an outage), and delivers everything once they pass', async () => {
      const topic = `${opts.tenant()}.device-data`;
      let outage = 3;
      const got: number[] = [];
      await own.subscribe({
        topic,
        group: 'outage',
        handler: async (batch) => {
          if (outage-- > 0) throw transientError('the store is away');
          got.push(...batch.map((m) => m.value as number));
        },
      });
      await own.publishMany([1, 2, 3].map((i) => ({ topic, key: 'k', value: i })));
      await opts.settle(own);
      await opts.settle(own);
      assert.deepEqual(got, [1, 2, 3]);
      assert.deepEqual(letters, []);
    });

    it('redelivers the batch when the dead-letter store cannot take the letter, losing nothing', async () => {
      await own.close();
      let sinkUp = false;
      own = await opts.build(async (l) => {
        if (!sinkUp) throw new Error('dead-letter store away');
        letters.push(...l);
      });
      const topic = `${opts.tenant()}.device-data`;
      const seen: number[] = [];
      const handled: number[] = [];
      await own.subscribe({
        topic,
        group: 'sink-down',
        handler: async (batch) => {
          seen.push(...batch.map((m) => m.value as number));
          if (batch.some((m) => m.value === 2)) throw new Error('poison');
          handled.push(...batch.map((m) => m.value as number));
        },
      });
      await own.publishMany([1, 2, 3].map((i) => ({ topic, key: 'k', value: i })));
      // Until the sink works, the poison is neither dropped nor passed: the batch comes round again.
      const deadline = Date.now() + 10_000;
      while (seen.filter((v) => v === 2).length < 6 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(seen.filter((v) => v === 2).length >= 6, 'the batch was redelivered');
      assert.equal(handled.includes(3), false, 'nothing behind the poison went past it');
      sinkUp = true;
      await opts.settle(own);
      assert.equal(letters.length, 1);
      assert.equal(letters[0].value, 2);
      assert.ok(handled.includes(3));
    });
  });

  it('starts a new group after what was published before, unless fromBeginning', async () => {
    const topic = `${opts.tenant()}.device-data`;
    await bus.publish(topic, 'k', 'old');
    const fresh = await collect(topic, 'new-only');
    const whole: BusMessage[] = [];
    await bus.subscribe({
      topic,
      group: 'everything',
      fromBeginning: true,
      handler: async (b) => void whole.push(...b),
    });
    await bus.publish(topic, 'k', 'new');
    await opts.settle(bus);
    assert.deepEqual(
      fresh.map((m) => m.value),
      ['new'],
    );
    assert.deepEqual(
      whole.map((m) => m.value),
      ['old', 'new'],
    );
  });

  it('starts a new group of a pattern from the beginning of every topic it matches, in order per key', async () => {
    const t = opts.tenant();
    await bus.publishMany([
      { topic: `${t}a.device-data`, key: 'k1', value: 1 },
      { topic: `${t}b.device-data`, key: 'k2', value: 2 },
      { topic: `${t}a.device-data`, key: 'k1', value: 3 },
    ]);
    const got: BusMessage[] = [];
    await bus.subscribe({
      topic: new RegExp(`^${t}[ab]\\.device-data$`),
      group: 'pattern-everything',
      fromBeginning: true,
      handler: async (b) => void got.push(...b),
    });
    await opts.settle(bus);
    assert.deepEqual(
      got.filter((m) => m.key === 'k1').map((m) => m.value),
      [1, 3],
    );
    assert.deepEqual(
      got.filter((m) => m.key === 'k2').map((m) => m.value),
      [2],
    );
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
