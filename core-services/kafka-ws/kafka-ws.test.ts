// The websocket service on its own (no flow engine): a real HTTP server, the in-memory bus and
// cache, real `ws` clients. Identity comes from a test header instead of the gateway.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { buildHttp } from '../platform/http.js';
import { createLogger } from '../platform/log.js';
import { loadConfig } from '../platform/config.js';
import { MemoryBus } from '../platform/bus/memory.js';
import { MemoryCache } from '../platform/cache/memory.js';
import type { PlatformContext } from '../platform/context.js';
import type { Identity } from '../platform/contracts/identity.js';
import { createKafkaWs } from './index.js';

interface Closed {
  code: number;
  reason: string;
}

describe('kafka-ws service', function () {
  this.timeout(20_000);
  const log = createLogger('silent');
  const bus = new MemoryBus();
  const cache = new MemoryCache();
  const config = loadConfig({
    DOJOT_KAFKA_WS_TICKET_TTL: '1',
    DOJOT_KAFKA_WS_MAX_LIFETIME: '2',
    DOJOT_KAFKA_WS_MAX_BUFFER: '4096',
  });
  const service = createKafkaWs({ config, log, bus, cache, store: undefined as never } satisfies PlatformContext);
  const app = buildHttp({ log, bodyLimit: 1024 * 1024 });
  let base = '';

  before(async () => {
    app.addHook('onRequest', async (req) => {
      if (!req.routeOptions.config?.public)
        req.identity = {
          tenant: String(req.headers['x-tenant'] ?? 'admin'),
          username: 'u',
          userid: 1,
          profile: 'admin',
          groups: [1],
        } as Identity;
    });
    await app.register(service.routes!);
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await service.close?.();
    await bus.close();
    await cache.close();
  });

  const ticket = async (tenant = 'admin') =>
    (
      (await (await fetch(`http://${base}/kafka-ws/v1/ticket`, { headers: { 'x-tenant': tenant } })).json()) as {
        ticket: string;
      }
    ).ticket;
  const url = (t: string, topic: string, q: Record<string, string> = {}) =>
    `ws://${base}/kafka-ws/v1/topics/${topic}?${new URLSearchParams({ ticket: t, ...q })}`;
  /** Opens a socket and collects its messages and its close. */
  const open = (u: string) => {
    const ws = new WebSocket(u);
    const messages: unknown[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    const closed = new Promise<Closed>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(String(res.statusCode))));
      ws.once('error', reject);
    });
    return { ws, messages, closed, opened };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Waits until `what` holds, polling. */
  const until = async (what: () => boolean, ms = 5_000) => {
    const end = Date.now() + ms;
    while (!what()) {
      if (Date.now() > end) throw new Error('timed out');
      await sleep(10);
    }
  };
  /**
   * The socket's subscription is made as it opens: publishes probes until one arrives, then a last
   * one; once that arrives every earlier probe has (one topic keeps its order), and all are forgotten.
   */
  const subscribed = async (
    c: { messages: unknown[] },
    probe: { metadata: Record<string, unknown>; attrs: unknown },
  ) => {
    const end = Date.now() + 5_000;
    while (c.messages.length === 0) {
      if (Date.now() > end) throw new Error('the socket never received a message');
      await bus.publish('admin.device-data', 'probe', probe);
      await sleep(20);
    }
    const last = { ...probe, metadata: { ...probe.metadata, deviceid: 'last-probe' } };
    await bus.publish('admin.device-data', 'probe', last);
    await until(() => c.messages.some((m) => JSON.stringify(m).includes('last-probe')));
    c.messages.length = 0;
  };

  it('issues 64-hex tickets', async () => {
    assert.match(await ticket(), /^[0-9a-f]{64}$/);
  });

  it("streams the topic's messages, filtered by where and masked by fields", async () => {
    const c = open(
      url(await ticket(), 'admin.device-data', { where: 'attrs.temp=gt:20;', fields: 'attrs/temp,metadata/deviceid' }),
    );
    await c.opened;
    await subscribed(c, { metadata: { deviceid: 'probe', tenant: 'admin' }, attrs: { temp: 99 } });
    await bus.publish('admin.device-data', 'a', {
      metadata: { deviceid: 'a', tenant: 'admin' },
      attrs: { temp: 10, hum: 1 },
    });
    await bus.publish('admin.device-data', 'b', {
      metadata: { deviceid: 'b', tenant: 'admin' },
      attrs: { temp: 30, hum: 1 },
    });
    await bus.publish('other.device-data', 'c', { metadata: { deviceid: 'c', tenant: 'other' }, attrs: { temp: 40 } });
    // b arrives; a, published before it on the same topic, would have arrived first.
    await until(() => c.messages.length > 0);
    assert.deepEqual(c.messages, [{ attrs: { temp: 30 }, metadata: { deviceid: 'b' } }]);
    c.ws.close();
  });

  it('refuses a ticket used twice, an expired one and a missing one with 401', async () => {
    const t = await ticket();
    const first = open(url(t, 'admin.device-data'));
    await first.opened;
    first.ws.close();
    await assert.rejects(open(url(t, 'admin.device-data')).opened, /401/);
    const late = await ticket();
    await sleep(1200); // the TTL is 1 s here
    await assert.rejects(open(url(late, 'admin.device-data')).opened, /401/);
    await assert.rejects(open(`ws://${base}/kafka-ws/v1/topics/admin.device-data`).opened, /401/);
  });

  it('leaves a websocket path it does not own to the kernel, which answers 404 (no guess about /flows/)', async () => {
    for (const path of ['/flows/comms', '/elsewhere']) {
      const ws = new WebSocket(`ws://${base}${path}`);
      const status = await new Promise<number>((resolve, reject) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error(`${path} was upgraded`)));
        ws.on('error', reject);
      });
      assert.equal(status, 404, path);
    }
  });

  it('answers a plain HTTP request on a websocket path with 426 in text/plain, as dojot did', async () => {
    const res = await fetch(`http://${base}/kafka-ws/v1/topics/admin.device-data`);
    assert.equal(res.status, 426);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'Upgrade Required');
  });

  it("closes with 4403 on another tenant's topic", async () => {
    const c = open(url(await ticket('admin'), 'other.device-data'));
    assert.deepEqual(await c.closed, { code: 4403, reason: "Tenant can't access this topic" });
  });

  it("closes with dojot's codes 4000 to 4004 on a bad filter", async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ where: 'attrs.temp=gt:1' }, 4000, 'invalid syntax'],
      [{ fields: 'attrs(temp' }, 4000, 'invalid syntax'],
      [{ where: 'attrs.temp=like:1;' }, 4001, "invalid operator 'like'"],
      [{ where: 'attrs.x="a\\q";' }, 4002, 'invalid escape value \\q'],
      [{ where: 'attrs.temp=lt:1,2;' }, 4003, "invalid arity 2 for 'lt'"],
      [{ where: 'attrs.temp=lt:cold;' }, 4004, "invalid value cold for operator 'lt'"],
    ];
    for (const [q, code, reason] of cases) {
      const closed = await open(url(await ticket(), 'admin.device-data', q)).closed;
      assert.equal(closed.code, code, JSON.stringify(q));
      assert.ok(closed.reason.startsWith(reason), closed.reason);
    }
  });

  it("closes with 4408 at the end of the connection's lifetime", async () => {
    const c = open(url(await ticket(), 'admin.device-data'));
    const started = Date.now();
    assert.deepEqual(await c.closed, { code: 4408, reason: 'Connection lifetime' });
    assert.ok(Date.now() - started >= 1900);
  });

  it('drops a client that does not read, once its unread data passes the buffer limit', async () => {
    const c = open(url(await ticket(), 'admin.device-data'));
    await c.opened;
    await subscribed(c, { metadata: { deviceid: 'probe' }, attrs: {} });
    // Stop reading: the kernel's buffers fill, then the server's queue grows until the limit.
    (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const big = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 2000; i++) {
      await bus.publish('admin.device-data', 'a', { metadata: { deviceid: 'a' }, attrs: { big, i } });
      if (i % 100 === 0) await sleep(5); // lets the socket write between bursts
    }
    // Deliberately a fixed time: reading stays paused while the server's queue passes the limit.
    await sleep(200);
    (c.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const closed = await c.closed;
    assert.equal(closed.code, 4429);
    assert.ok(c.messages.length < 2000, `${c.messages.length} messages arrived`);
  });
});
