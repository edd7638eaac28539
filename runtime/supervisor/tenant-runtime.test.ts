// The supervisor's state machine for one tenant runtime, driven through the stub driver: no
// Node-RED, no process, milliseconds per case.
import type { BusDelivery } from './ipc.js';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { createLogger } from '../../core-services/platform/log.js';
import { StubDriver } from './drivers/stub.js';
import { StartSlots } from './start-slots.js';
import { ownActivity, runsOnItsOwn } from './boot-asleep.js';
import {
  MAX_CRASHES_BEFORE_GIVING_UP,
  MAX_CRASHES_BEFORE_SAFE_MODE,
  TenantRuntime,
  type RuntimeSettings,
} from './tenant-runtime.js';

const settings: RuntimeSettings = {
  maxOldSpaceMb: 64,
  heartbeatMs: 20,
  heartbeatTimeoutMs: 150,
  instance: 'test-instance',
  proxySecret: true,
  backoff: { baseMs: 5, maxMs: 20 },
  launch: {
    logLevel: 'silent',
    functionTimeoutSeconds: 1,
    nodesDirs: [],
    heartbeatMs: 20,
    projectRoot: '/nowhere',
    docsUrl: '/flows/help',
    userDir: '/nowhere',
    kafka: null,
    timersLeased: false,
    shareDebug: false,
  },
};

const until = async (cond: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('tenant runtime state machine (stub driver)', () => {
  let driver: StubDriver;
  let rt: TenantRuntime;
  beforeEach(() => {
    driver = new StubDriver();
    rt = new TenantRuntime('acme', settings, createLogger('silent'), () => {}, driver);
  });
  afterEach(async () => {
    await rt.stop();
  });

  it('starts a runtime and reports it running, with the options it asked for over its channel', async () => {
    await rt.start();
    assert.equal(rt.state, 'running');
    const child = driver.latest('acme')!;
    assert.equal(child.options?.tenant, 'acme');
    assert.equal(child.options?.safeMode, false);
    assert.match(child.options?.proxySecret ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(rt.endpoint(), { port: 0, secret: child.options?.proxySecret });
    assert.equal(rt.report().pid, child.pid);
  });

  it('counts and logs the device messages it drops from a full backlog while the runtime starts', async () => {
    const lines: { msg: string; dropped?: number }[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    rt = new TenantRuntime('acme', settings, log, () => {}, driver);
    const started = rt.start();
    const batch = (n: number) => ({
      subject: 'device-data' as const,
      messages: Array.from({ length: n }, (_, i) => ({ key: 'd1', value: {}, id: String(i), timestamp: 0 })),
    });
    // Held while the runtime starts: 18,000 messages, over the backlog's 10,000; the oldest go.
    for (let i = 0; i < 3; i += 1) rt.deliver(batch(6_000));
    await started;
    await until(() => lines.some((l) => /were dropped/.test(l.msg)));
    assert.equal(rt.report().messages.busDropped, 12_000);
    assert.equal(lines.filter((l) => /dropping the oldest/.test(l.msg)).length, 1);
    assert.equal(lines.find((l) => /were dropped/.test(l.msg))?.dropped, 12_000);
  });

  it('gives every start a new proxy secret', async () => {
    await rt.start();
    const first = driver.latest('acme')!.options!.proxySecret;
    driver.latest('acme')!.crash();
    await until(() => driver.started.length === 2 && rt.state === 'running');
    assert.notEqual(driver.latest('acme')!.options!.proxySecret, first);
  });

  it('restarts a crashed runtime after a back-off and counts the restart', async () => {
    await rt.start();
    driver.latest('acme')!.crash();
    assert.equal(rt.state, 'crashed');
    assert.equal(rt.report().lastExit?.reason, 'crashed');
    await until(() => rt.state === 'running');
    assert.equal(rt.report().restarts, 1);
    assert.equal(driver.started.length, 2);
  });

  it('starts in safe mode after repeated crashes, and gives up (failed) when even that crashes', async () => {
    driver.behaviour.failStarts = MAX_CRASHES_BEFORE_SAFE_MODE;
    await rt.start();
    assert.equal(driver.started.length, MAX_CRASHES_BEFORE_SAFE_MODE + 1);
    assert.equal(rt.safeMode, true);
    assert.equal(driver.latest('acme')!.options?.safeMode, true);

    driver.behaviour.failStarts = MAX_CRASHES_BEFORE_GIVING_UP;
    driver.latest('acme')!.crash();
    await until(() => rt.state === 'failed');
    const started = driver.started.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(driver.started.length, started, 'a failed runtime is not retried on its own');
    // Asked again (a request, a change), it is tried once more, in safe mode.
    driver.behaviour.failStarts = 0;
    await rt.start();
    assert.equal(rt.state, 'running');
    assert.equal(rt.safeMode, true);
  });

  it('rejects those waiting for a start when the runtime gives up', async () => {
    driver.behaviour.failStarts = 100;
    await assert.rejects(rt.start(), /tenant runtime failed/);
    assert.equal(rt.state, 'failed');
  });

  it('kills a runtime whose heartbeat stops, and says why', async () => {
    driver.behaviour.heartbeat = false;
    await rt.start();
    driver.behaviour.heartbeat = true;
    await until(() => driver.started.length === 2 && rt.state === 'running');
    assert.match(rt.report().lastExit?.reason ?? '', /^no heartbeat for \d+ ms$/);
  });

  describe('the function timeout, enforced with SIGINT', () => {
    // A function timeout of 60 ms: SIGINT once silent for 80 ms (timeout + one heartbeat period), SIGKILL at 400.
    const fast: RuntimeSettings = {
      ...settings,
      heartbeatTimeoutMs: 400,
      launch: { ...settings.launch, functionTimeoutSeconds: 0.06 },
    };
    beforeEach(() => {
      rt = new TenantRuntime('acme', fast, createLogger('silent'), () => {}, driver);
    });

    it('interrupts a function node that runs past it, once, and the runtime runs on', async () => {
      await rt.start();
      const child = driver.latest('acme')!;
      child.block('function');
      await until(() => child.signals.length > 0);
      await new Promise((r) => setTimeout(r, 100)); // beating again: nothing more is sent
      assert.deepEqual(child.signals, ['SIGINT']);
      assert.equal(driver.started.length, 1);
      assert.equal(rt.state, 'running');
      assert.equal(rt.report().functionInterrupts, 1);
    });

    it('restarts a runtime that SIGINT ended (blocked outside a function node), and says why', async () => {
      await rt.start();
      driver.latest('acme')!.block('elsewhere');
      await until(() => driver.started.length === 2 && rt.state === 'running');
      assert.deepEqual(driver.started[0].signals, ['SIGINT']);
      assert.match(
        rt.report().lastExit?.reason ?? '',
        /^no heartbeat for \d+ ms \(blocked outside a function node; SIGINT ended it\)$/,
      );
    });

    it('never sends SIGINT to a runtime that did not say it stops function nodes on it: the watchdog kills it', async () => {
      driver.behaviour.functionInterrupt = false;
      await rt.start();
      driver.latest('acme')!.block('function');
      await until(() => driver.started.length === 2 && rt.state === 'running');
      assert.deepEqual(driver.started[0].signals, ['SIGKILL']);
      assert.match(rt.report().lastExit?.reason ?? '', /^no heartbeat for \d+ ms$/);
    });
  });

  it('stops a running runtime cleanly and does not restart it', async () => {
    await rt.start();
    await rt.stop();
    assert.equal(rt.state, 'stopped');
    assert.equal(rt.report().lastExit?.reason, 'stopped');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(driver.started.length, 1);
    assert.equal(rt.endpoint(), null);
  });

  it('kills a start still under way when the runtime is stopped meanwhile', async () => {
    const starting = rt.start();
    await rt.stop();
    await assert.rejects(starting, /stopped/);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rt.state, 'stopped');
  });

  it('hands messages held over a restart to the new runtime when its nodes listen before it says ready', async () => {
    driver.behaviour.subjects = ['device-data'];
    driver.behaviour.subscribeBeforeReady = true;
    await rt.start();
    driver.latest('acme')!.crash();
    assert.equal(rt.state, 'crashed');
    rt.deliver({ subject: 'device-data', messages: [{ key: 'd1', value: { n: 1 }, id: 'm1', timestamp: 1 }] });
    await until(() => driver.started.length === 2 && rt.state === 'running');
    // Well before READY_LISTEN_GRACE_MS (5 s): the nodes' word is what releases the backlog.
    await until(() => driver.latest('acme')!.received.length === 1, 2_000);
    assert.equal(driver.latest('acme')!.received[0].messages[0].id, 'm1');
    rt.deliver({ subject: 'device-data', messages: [{ key: 'd1', value: { n: 2 }, id: 'm2', timestamp: 2 }] });
    await until(() => driver.latest('acme')!.received.length === 2);
  });

  it('hands messages held over a restart to the new runtime when its nodes listen after it says ready', async () => {
    driver.behaviour.subjects = ['device-data'];
    await rt.start();
    driver.latest('acme')!.crash();
    rt.deliver({ subject: 'device-data', messages: [{ key: 'd1', value: { n: 1 }, id: 'm1', timestamp: 1 }] });
    await until(() => driver.latest('acme')!.received.length === 1 && driver.started.length === 2, 2_000);
  });

  for (const before of [true, false])
    it(`holds messages over a restart until their own subject is listened to, nodes saying one at a time ${before ? 'before' : 'after'} ready`, async () => {
      driver.behaviour.subjects = ['dojot.device-manager.device', 'device-data'];
      driver.behaviour.subscribeStepwise = true;
      driver.behaviour.subscribeBeforeReady = before;
      await rt.start();
      driver.latest('acme')!.crash();
      rt.deliver({ subject: 'device-data', messages: [{ key: 'd1', value: { n: 1 }, id: 'm1', timestamp: 1 }] });
      await until(() => driver.started.length === 2 && driver.latest('acme')!.received.length === 1, 2_000);
      assert.equal(driver.latest('acme')!.received[0].messages[0].id, 'm1');
    });

  it('reports a driver that cannot start a runtime as the reason of the crash', async () => {
    const failing = new StubDriver();
    failing.start = async () => {
      throw new Error('no free uid left');
    };
    const broken = new TenantRuntime('acme', settings, createLogger('silent'), () => {}, failing);
    await until(() => {
      void broken.start().catch(() => {});
      return broken.report().lastExit !== null;
    });
    assert.equal(broken.report().lastExit?.reason, 'could not start: no free uid left');
    await broken.stop();
  });
});

describe('tenant runtime hibernation (stub driver)', () => {
  const IDLE_MS = 100;
  let driver: StubDriver;
  let rt: TenantRuntime;
  const message = (id: string, subject: BusDelivery['subject'] = 'device-data') => ({
    subject,
    messages: [{ key: 'd1', value: { id }, id, timestamp: Date.now() }],
  });
  beforeEach(() => {
    driver = new StubDriver();
    driver.behaviour.subjects = ['device-data'];
    rt = new TenantRuntime('acme', { ...settings, idleMs: IDLE_MS }, createLogger('silent'), () => {}, driver);
  });
  afterEach(async () => {
    await rt.stop();
  });

  it('stops an idle runtime and reports it hibernating, not crashed', async () => {
    await rt.start();
    await until(() => rt.state === 'hibernating');
    const report = rt.report();
    assert.equal(report.hibernations, 1);
    assert.equal(report.lastExit?.reason, 'hibernated');
    assert.equal(report.restarts, 0);
    assert.equal(report.pid, null);
    assert.equal(rt.endpoint(), null);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(driver.started.length, 1, 'a hibernating runtime is not restarted on its own');
  });

  it('wakes on a device message, holds it meanwhile and hands it over, reporting the wake', async () => {
    await rt.start();
    await until(() => rt.state === 'hibernating');
    rt.deliver(message('m1'));
    rt.deliver(message('m2'));
    assert.equal(rt.state, 'starting');
    await until(() => driver.started.length === 2 && driver.latest('acme')!.received.length === 2);
    assert.deepEqual(
      driver.latest('acme')!.received.map((d) => d.messages[0].id),
      ['m1', 'm2'],
    );
    const wake = rt.report().lastWake!;
    assert.equal(wake.reason, 'device message');
    assert.equal(typeof wake.startMs, 'number');
    assert.equal(typeof wake.firstMessageMs, 'number');
    assert.ok(wake.firstMessageMs! >= 0);
  });

  it('does not wake for a subject its nodes did not listen to', async () => {
    await rt.start();
    await until(() => rt.state === 'hibernating');
    rt.deliver(message('m1', 'dojot.device-manager.device'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rt.state, 'hibernating');
    assert.equal(driver.started.length, 1);
  });

  it('wakes for an editor request, which waits for the start', async () => {
    await rt.start();
    await until(() => rt.state === 'hibernating');
    await rt.start('editor');
    assert.equal(rt.state, 'running');
    assert.ok(rt.endpoint());
    assert.equal(rt.report().lastWake?.reason, 'editor');
    assert.equal(rt.report().lastWake?.firstMessageMs, null);
  });

  it('does not hibernate while a timer is pending, an editor or a socket of its own is open', async () => {
    for (const busy of ['timers', 'editors', 'sockets'] as const) {
      driver.behaviour.beat = { timers: 0, editors: 0, sockets: 0, [busy]: 1 };
      await rt.start();
      await new Promise((r) => setTimeout(r, IDLE_MS * 3));
      assert.equal(rt.state, 'running', busy);
      driver.behaviour.beat = { timers: 0, editors: 0, sockets: 0 };
      await until(() => rt.state === 'hibernating');
    }
  });

  it('does not hibernate while device messages keep coming', async () => {
    await rt.start();
    const end = Date.now() + IDLE_MS * 3;
    let n = 0;
    while (Date.now() < end) {
      rt.deliver(message(`m${n++}`));
      await new Promise((r) => setTimeout(r, IDLE_MS / 5));
    }
    assert.equal(rt.state, 'running');
    assert.equal(driver.started.length, 1);
    await until(() => driver.latest('acme')!.received.length === n);
  });

  it('keeps a message that arrives while it is stopping to hibernate, and starts again for it', async () => {
    driver.behaviour.stopDelayMs = 100;
    await rt.start();
    await until(() => rt.state === 'stopping');
    rt.deliver(message('m1'));
    await until(() => driver.started.length === 2 && driver.latest('acme')!.received.length === 1);
    assert.equal(rt.state, 'running');
    assert.equal(rt.report().hibernations, 1);
  });

  it('stops from hibernation when asked, and drops what it held', async () => {
    await rt.start();
    await until(() => rt.state === 'hibernating');
    await rt.stop();
    assert.equal(rt.state, 'stopped');
    rt.deliver(message('m1'));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(driver.started.length, 1);
  });

  it('never hibernates without an idle time', async () => {
    const awake = new TenantRuntime('acme', settings, createLogger('silent'), () => {}, driver);
    await awake.start();
    await new Promise((r) => setTimeout(r, IDLE_MS * 3));
    assert.equal(awake.state, 'running');
    await awake.stop();
  });
});

describe('tenant runtime starts, a few at a time (stub driver)', () => {
  let driver: StubDriver;
  let runtimes: TenantRuntime[];
  const message = (id: string, subject: BusDelivery['subject'] = 'device-data') => ({
    subject,
    messages: [{ key: 'd1', value: { id }, id, timestamp: Date.now() }],
  });
  /** Starts being made now: asked of the driver, not yet ready nor gone. */
  const inFlight = () => runtimes.filter((r) => r.state === 'starting').length;
  const make = (n: number, slots: StartSlots, extra: Partial<RuntimeSettings> = {}) =>
    Array.from(
      { length: n },
      (_, i) => new TenantRuntime(`t${i}`, { ...settings, ...extra }, createLogger('silent'), () => {}, driver, slots),
    );
  beforeEach(() => {
    driver = new StubDriver();
    driver.behaviour.subjects = ['device-data'];
    driver.behaviour.readyDelayMs = 15;
    runtimes = [];
  });
  afterEach(async () => {
    await Promise.all(runtimes.map((r) => r.stop()));
  });

  it('never has more starts under way than its concurrency, and starts them all', async () => {
    const slots = new StartSlots(2);
    runtimes = make(12, slots);
    let most = 0;
    const start = driver.start.bind(driver);
    driver.start = async (launch) => {
      most = Math.max(most, inFlight(), slots.running);
      return start(launch);
    };
    await Promise.all(runtimes.map((r) => r.start('request', 'background')));
    assert.equal(driver.started.length, 12);
    assert.ok(most <= 2, `at most 2 starts at once, saw ${most}`);
    assert.equal(most, 2, 'and it used both slots');
    assert.equal(slots.running, 0);
    assert.equal(slots.waiting, 0);
  });

  it('frees the slot of a start that fails or is stopped while it waits', async () => {
    const slots = new StartSlots(1);
    runtimes = make(3, slots);
    driver.behaviour.failStarts = 1;
    const [a, b, c] = runtimes;
    const started = [a, b, c].map((r) => r.start('request', 'background'));
    assert.equal(b.state, 'queued');
    await b.stop();
    await assert.rejects(started[1], /stopped/);
    await Promise.all([started[0], started[2]]);
    // t0 failed at start and was restarted after its back-off; t1 never started.
    assert.deepEqual(driver.started.map((r) => r.tenant).sort(), ['t0', 't0', 't2']);
    assert.equal(slots.running, 0);
    assert.equal(slots.waiting, 0);
  });

  it('starts a waiting tenant first when a device message comes for it, and hands the message over', async () => {
    const slots = new StartSlots(1);
    runtimes = make(6, slots);
    const all = runtimes.map((r) => r.start('request', 'background'));
    const last = runtimes[5];
    assert.equal(last.state, 'queued');
    last.deliver(message('m1'));
    await last.whenRunning();
    // t0 had the only slot when the message came; t5 went next, before t1..t4.
    assert.deepEqual(
      driver.started.slice(0, 2).map((r) => r.tenant),
      ['t0', 't5'],
    );
    await until(() => driver.latest('t5')!.received.length === 1);
    assert.equal(driver.latest('t5')!.received[0].messages[0].id, 'm1');
    await Promise.all(all);
  });

  it('starts a waiting tenant first when an editor request comes for it', async () => {
    const slots = new StartSlots(1);
    runtimes = make(5, slots);
    const all = runtimes.map((r) => r.start('request', 'background'));
    await runtimes[3].start('editor');
    assert.deepEqual(
      driver.started.slice(0, 2).map((r) => r.tenant),
      ['t0', 't3'],
    );
    await Promise.all(all);
  });

  it('bounds wakes from hibernation too, someone waiting for each', async () => {
    const slots = new StartSlots(2);
    runtimes = make(6, slots, { idleMs: 50 });
    for (const r of runtimes) r.startAsleep();
    let most = 0;
    const start = driver.start.bind(driver);
    driver.start = async (launch) => {
      most = Math.max(most, inFlight());
      return start(launch);
    };
    runtimes.forEach((r, i) => r.deliver(message(`m${i}`)));
    await until(() => runtimes.every((r, i) => driver.latest(`t${i}`)?.received.length === 1));
    assert.ok(most <= 2, `at most 2 starts at once, saw ${most}`);
  });
});

describe('tenant runtimes asleep from the platform start (stub driver)', () => {
  let driver: StubDriver;
  let rt: TenantRuntime;
  beforeEach(() => {
    driver = new StubDriver();
    driver.behaviour.subjects = ['device-data'];
    rt = new TenantRuntime('acme', { ...settings, idleMs: 100 }, createLogger('silent'), () => {}, driver);
    rt.startAsleep();
  });
  afterEach(async () => {
    await rt.stop();
  });

  it('costs no process until used, and reports hibernating', async () => {
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(driver.started.length, 0);
    const report = rt.report();
    assert.equal(report.state, 'hibernating');
    assert.equal(report.pid, null);
    assert.equal(report.hibernations, 0);
  });

  it('wakes on a device message on any subject (what it listens to is not known yet), and loses none', async () => {
    // A subject other than the device-data a hibernated runtime most often listened to.
    driver.behaviour.subjects = ['dojot.device-manager.device'];
    for (let i = 0; i < 5; i += 1)
      rt.deliver({
        subject: 'dojot.device-manager.device',
        messages: [{ key: 'd1', value: { i }, id: `m${i}`, timestamp: Date.now() }],
      });
    await until(() => driver.started.length === 1 && driver.latest('acme')!.received.length === 5);
    assert.deepEqual(
      driver.latest('acme')!.received.map((d) => d.messages[0].id),
      ['m0', 'm1', 'm2', 'm3', 'm4'],
    );
    assert.equal(rt.report().lastWake?.reason, 'device message');
    // Once it ran, it sleeps again when idle, and then only what its nodes listened to wakes it.
    await until(() => rt.state === 'hibernating');
    rt.deliver({ subject: 'device-data', messages: [{ key: 'd', value: {}, id: 'x', timestamp: 0 }] });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(rt.state, 'hibernating');
  });

  it('wakes for an editor request, which waits for the start', async () => {
    await rt.start('editor');
    assert.equal(rt.state, 'running');
    assert.equal(driver.started.length, 1);
    assert.equal(rt.report().lastWake?.reason, 'editor');
  });
});

describe('which tenants sleep from the platform start (their stored flows)', () => {
  const tab = { id: 'f', type: 'tab' };
  const node = (type: string, more: Record<string, unknown> = {}) => ({ id: type, z: 'f', type, ...more });

  it('lets flows that only answer device messages and requests sleep', () => {
    assert.equal(
      runsOnItsOwn([
        tab,
        node('dojot bus in'),
        node('device in'),
        node('function', { func: 'return msg;', initialize: '' }),
        node('inject', { repeat: '', crontab: '', once: false }),
        node('http in'),
        node('http response'),
        node('subflow:abc'),
        node('delay'),
      ]),
      false,
    );
    assert.equal(runsOnItsOwn([]), false);
  });

  it('keeps up flows with a timer, a start-up action, a connection of their own or a node it does not know', () => {
    for (const [n, why] of [
      [node('inject', { repeat: '10' }), /repeats/],
      [node('inject', { crontab: '*/5 * * * *' }), /schedule/],
      [node('inject', { once: true }), /fires at start/],
      [node('cron'), /"cron"/],
      [node('cron-batch'), /"cron-batch"/],
      [node('mqtt in'), /"mqtt in"/],
      [node('websocket in'), /"websocket in"/],
      [node('function', { initialize: 'setInterval(() => {}, 1000);' }), /at start/],
      [node('some contributed node'), /"some contributed node"/],
    ] as const) {
      assert.match(ownActivity(n) ?? '', why, n.type);
      assert.equal(runsOnItsOwn([tab, node('debug'), n]), true, n.type);
    }
  });
});
