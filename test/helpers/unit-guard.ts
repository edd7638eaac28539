// What keeps `npm run test:unit` honest: a unit test starts no platform and needs no outside
// service. The unit target loads unit-mode.ts, which sets DOJOT_TEST_MODE=unit and installs the
// network guard below; startTestPlatform, spawnPlatform and requireService refuse in that mode, and
// a connection to a service port or to another host fails the test that opened it.
import net from 'node:net';

/** True in `npm run test:unit`. */
export function unitMode(): boolean {
  return process.env.DOJOT_TEST_MODE === 'unit';
}

/** Throws when a unit test tries to do `what` (start a platform, use a service). */
export function refuseInUnitMode(what: string): void {
  if (!unitMode()) return;
  throw new Error(
    `${what}: a unit test starts no platform and uses no outside service; put this test under test/ (npm run test:e2e), or name it *.services.test.ts when it needs Kafka, PostgreSQL or Redis`,
  );
}

/** Ports of the outside services (PostgreSQL, Redis, Kafka, MQTT brokers) and of DOJOT_TEST_*. */
export function servicePorts(env: NodeJS.ProcessEnv = process.env): Set<number> {
  const ports = new Set([5432, 6379, 9092, 9093, 1883, 8883]);
  const addresses = [
    env.DOJOT_TEST_POSTGRES_URL,
    env.DOJOT_TEST_REDIS_URL,
    ...(env.DOJOT_TEST_KAFKA_BROKERS ?? '').split(','),
  ];
  for (const a of addresses) {
    const port = Number(/:(\d+)(?:\/|$)/.exec(a?.trim() ?? '')?.[1]);
    if (port) ports.add(port);
  }
  return ports;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Why a TCP connection to host:port is refused to a unit test, or undefined when it is allowed. */
export function refusedConnection(host: string | undefined, port: number, ports: Set<number>): string | undefined {
  const h = (host ?? 'localhost').replace(/^\[|\]$/g, '');
  if (!LOOPBACK.has(h) && !/^127\./.test(h)) return `a connection to ${h}:${port} (another host)`;
  if (ports.has(port)) return `a connection to ${h}:${port} (an outside service's port)`;
  return undefined;
}

/** Connections refused since the last take(); a root hook fails the test that made them. */
const refused: string[] = [];

export function takeRefused(): string[] {
  return refused.splice(0, refused.length);
}

let installed = false;

/**
 * Patches net.Socket#connect in this process (every TCP client goes through it: pg, ioredis,
 * kafkajs, mqtt.js, fetch): a connection to another host or to a service port fails with an error
 * and is remembered, so the test fails even when a client library swallows the error and retries.
 */
export function installNetGuard(ports = servicePorts()): void {
  if (installed) return;
  installed = true;
  const connect = net.Socket.prototype.connect as (...args: unknown[]) => net.Socket;
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const [first, second] = args;
    let host: string | undefined;
    let port: number | undefined;
    let isPath = false;
    if (Array.isArray(first)) {
      // Node's internal form: [options, callback]
      const o = first[0] as { host?: string; port?: number | string; path?: string };
      host = o?.host;
      port = o?.port === undefined ? undefined : Number(o.port);
      isPath = Boolean(o?.path);
    } else if (typeof first === 'object' && first !== null) {
      const o = first as { host?: string; port?: number | string; path?: string };
      host = o.host;
      port = o.port === undefined ? undefined : Number(o.port);
      isPath = Boolean(o.path);
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      port = Number(first);
      host = typeof second === 'string' ? second : undefined;
    } else if (typeof first === 'string') {
      isPath = true; // a local (unix) socket
    }
    const why = isPath || port === undefined ? undefined : refusedConnection(host, port, ports);
    if (why) {
      // Fails like a refused connection (the client sees an error), and the root hook fails the test.
      refused.push(why);
      const err = new Error(`unit test: ${why} is refused; a unit test uses no outside service`);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return connect.apply(this, args);
  } as typeof net.Socket.prototype.connect;
}
