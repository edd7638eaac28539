// Test support: a real agent on a free port with an in-memory device directory and bus, real
// mqtt.js clients, and a collector of bus messages. Imported by *.test.ts only.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { DeviceManagerClient, FullDevice } from '../device-manager/client.js';
import { MemoryBus } from '../platform/bus/memory.js';
import type { Bus, BusMessage } from '../platform/bus/index.js';
import { MemoryCache } from '../platform/cache/memory.js';
import { loadConfig } from '../platform/config.js';
import type { PlatformContext } from '../platform/context.js';
import { createLogger } from '../platform/log.js';
import type { Store } from '../platform/store/index.js';
import { createMqttAgent, type MqttAgent } from './index.js';

/** A device directory in memory: tenant → device ids. */
export class FakeDevices implements DeviceManagerClient {
  private readonly devices = new Map<string, FullDevice>();
  failing = false;

  add(tenant: string, id: string, labels: string[] = []): this {
    const attrs = labels.map((label, i) => ({
      id: i + 1,
      label,
      type: 'dynamic',
      value_type: 'float',
      template_id: '1',
      created: new Date(0).toISOString(),
    }));
    this.devices.set(`${tenant}:${id}`, {
      id,
      label: `dev-${id}`,
      created: new Date(0).toISOString(),
      templates: [1],
      attrs: { '1': attrs },
    });
    return this;
  }

  remove(tenant: string, id: string): void {
    this.devices.delete(`${tenant}:${id}`);
  }

  async getDevice(tenant: string, id: string): Promise<FullDevice | null> {
    if (this.failing) throw new Error('device manager unavailable');
    return this.devices.get(`${tenant}:${id}`) ?? null;
  }

  async deviceExists(tenant: string, id: string): Promise<boolean> {
    return (await this.getDevice(tenant, id)) !== null;
  }
}

export interface RunningAgent {
  agent: MqttAgent;
  bus: Bus;
  ctx: PlatformContext;
  port: number;
  close(): Promise<void>;
}

export function testContext(opts: { bus?: Bus; store?: Store; env?: Record<string, string> } = {}): PlatformContext {
  const config = loadConfig({
    DOJOT_MQTT_PORT: '0',
    DOJOT_MQTT_HOST: '127.0.0.1',
    DOJOT_LOG_LEVEL: process.env.DOJOT_TEST_LOG_LEVEL ?? 'silent',
    ...opts.env,
  });
  const log = createLogger(config.logLevel);
  return {
    config,
    log,
    bus: opts.bus ?? new MemoryBus(log),
    store: opts.store ?? (null as unknown as Store),
    cache: new MemoryCache(),
  };
}

export async function startAgent(
  devices: DeviceManagerClient,
  opts: { bus?: Bus; env?: Record<string, string> } = {},
): Promise<RunningAgent> {
  const ctx = testContext(opts);
  const agent = createMqttAgent(ctx, { devices });
  await agent.start!();
  return {
    agent,
    bus: ctx.bus,
    ctx,
    port: agent.address()!.port,
    close: async () => {
      await agent.close!();
      await ctx.bus.close();
      await ctx.cache.close();
    },
  };
}

/** A connected mqtt.js client (MQTT 3.1.1, no reconnection); rejects with the CONNACK error. */
export function connect(port: number, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect({
      host: '127.0.0.1',
      port,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...opts,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

/** The CONNACK return code a refused CONNECT gets (0 if it was accepted). */
export async function connackCode(port: number, opts: IClientOptions): Promise<number> {
  try {
    const c = await connect(port, opts);
    await c.endAsync();
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

/** Resolves once the client's connection closes. */
export const closed = (client: MqttClient): Promise<void> =>
  new Promise((resolve) => client.once('close', () => resolve()));

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects every message of matching topics from a bus (its own consumer group). */
export class Collector {
  readonly messages: BusMessage[] = [];
  private constructor() {}

  static async on(
    bus: Bus,
    topic: string | RegExp,
    group = `test-${Math.random().toString(36).slice(2)}`,
  ): Promise<Collector> {
    const c = new Collector();
    await bus.subscribe({ topic, group, handler: async (batch) => void c.messages.push(...batch) });
    return c;
  }

  /** Waits until at least n messages arrived (or fails after ms). */
  async waitFor(n: number, ms = 3000): Promise<BusMessage[]> {
    const end = Date.now() + ms;
    while (this.messages.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} bus messages, got ${this.messages.length}`);
      await sleep(5);
    }
    return this.messages;
  }
}

/** Polls until check() stops throwing (or rethrows its last error after ms). */
export async function eventually(check: () => void | Promise<void>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(10);
    }
  }
}
