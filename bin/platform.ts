// Composition root: config → store/bus/cache → one Fastify app → services in order → listen.
// Closing runs in reverse. Tests and benchmarks start the platform through startPlatform().
import type { AddressInfo } from 'node:net';
import type { Config } from '../core-services/platform/config.js';
import { createLogger, type Logger } from '../core-services/platform/log.js';
import { createBus, type Bus } from '../core-services/platform/bus/index.js';
import { createStore, type Store } from '../core-services/platform/store/index.js';
import { createCache, type Cache } from '../core-services/platform/cache/index.js';
import { buildHttp } from '../core-services/platform/http.js';
import type { HealthDetails } from '../core-services/platform/health.js';
import type { IsolationReport } from '../runtime/supervisor/drivers/driver.js';
import type { PlatformContext } from '../core-services/platform/context.js';
import type { Service } from '../core-services/platform/service.js';
import { createAuth } from '../core-services/auth/index.js';
import { installAuthentication } from '../core-services/gateway/authenticate.js';
import { createDeviceManager } from '../core-services/device-manager/index.js';
import { createHistory } from '../core-services/history/index.js';
import { createMqttAgent, type MqttAgent } from '../core-services/mqtt-agent/index.js';
import { createX509 } from '../core-services/x509/index.js';
import { createFlowEngine } from '../runtime/index.js';
import { createCron } from '../core-services/cron/index.js';
import { createKafkaWs } from '../core-services/kafka-ws/index.js';
import { createDataManager } from '../core-services/data-manager/index.js';
import { createKafka2Ftp } from '../core-services/kafka2ftp/index.js';
import { createFlowsClient } from '../runtime/flows-api/client.js';
import { createDeadLetters, deadLetterSink } from '../core-services/dead-letters/index.js';
import { countByConsumer } from '../core-services/dead-letters/store.js';
import { consumersCheck } from '../core-services/platform/bus/consumer-health.js';
import { createConsole } from '../core-services/console/index.js';

export interface RunningPlatform {
  config: Readonly<Config>;
  log: Logger;
  bus: Bus;
  store: Store;
  cache: Cache;
  /** e.g. http://127.0.0.1:8000 */
  httpUrl: string;
  httpPort: number;
  mqttPort: number | null;
  /** The MQTTS port actually bound (useful with port 0). */
  mqttsPort: number | null;
  /** The MQTT agent: its counters and its worker processes (DOJOT_MQTT_WORKERS). */
  mqtt: MqttAgent;
  /** Every HTTP route, as method and URL pattern. */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

/** /health's word on the tenant runtimes' sandbox: a warning while any defence is off. */
function sandboxHealth(report: IsolationReport): { warning?: string } & Record<string, unknown> {
  const off = Object.entries(report.defences)
    .filter(([, d]) => !d.on)
    .map(([name]) => name);
  return {
    ...report,
    ...(off.length
      ? {
          warning: `tenant runtimes are not isolated (${off.join(', ')} off): see /flows/v1/runtime and docs/sandbox.md`,
        }
      : {}),
  };
}

export async function startPlatform(
  config: Readonly<Config>,
  log: Logger = createLogger(config.logLevel),
): Promise<RunningPlatform> {
  const started = Date.now();
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.error({ err }, 'error while closing');
      }
    }
  };
  try {
    const store = await createStore(config);
    closers.push(() => store.close());
    // A message a consumer fails on every try is set aside in the store, and its batch goes on.
    const bus = await createBus(config, log, deadLetterSink(store));
    closers.push(() => bus.close());
    const cache = await createCache(config);
    closers.push(() => cache.close());
    const ctx: PlatformContext = { config, log, bus, store, cache };

    const healthDetails: HealthDetails = {};
    const app = buildHttp({
      log,
      healthDetails,
      bodyLimit: config.httpBodyLimitBytes,
      health: {
        store: () => store.query('SELECT 1'),
        bus: () => bus.ping(),
        cache: () => cache.ping(),
        consumers: consumersCheck(bus, config.healthConsumerStuckMs),
        deadLetters: async () => ({ details: await countByConsumer(store) }),
      },
    });
    // auth first: the gateway's token check needs its token service.
    const auth = await createAuth(ctx);
    installAuthentication(app, auth.tokens, auth.policy);
    // device-manager before its readers: mqtt-agent and history ask it about devices.
    const deviceManager = createDeviceManager(ctx);
    const devices = deviceManager.client;
    // history persists what the agent publishes; the agent accepts devices last, once all is ready.
    const history = createHistory(ctx, { devices });
    // x509 before the agent: its TLS listener needs the CA and asks who each certificate names.
    const x509 = createX509(ctx, { devices });
    const mqtt = createMqttAgent(ctx, { devices, x509: x509.client });
    // cron: the scheduler; its client is what data-manager imports and exports jobs through.
    const cron = createCron(ctx);
    // the flow engine: tenant runtimes fed from the bus, editor tokens checked by auth; the
    // dojot nodes look devices up (static values, templates) and schedule jobs.
    const flows = createFlowEngine(ctx, { tokens: auth.tokens, devices, cron: cron.client });
    healthDetails.sandbox = () => sandboxHealth(flows.supervisor.isolation());
    // kafka-ws: live bus messages over websocket, beside the editor's /flows/comms on the same port.
    const kafkaWs = createKafkaWs(ctx);
    // data-manager: export/import through device-manager's, the flow engine's and cron's clients.
    const dataManager = createDataManager(ctx, {
      devices: deviceManager.transfer,
      flows: createFlowsClient(store, flows.supervisor, config.flowsRevisionsKept),
      cron: cron.client,
    });
    // kafka2ftp: files the flows publish on <tenant>.dojot.ftp, uploaded to each tenant's FTP server.
    const kafka2ftp = createKafka2Ftp(ctx);
    // dead-letters: a tenant's admins see what consumers set aside; it keeps the runtimes' letters too.
    const deadLetters = createDeadLetters(ctx);
    // the web console: its built files, and its page at "/" for browsers.
    const webConsole = createConsole(ctx);
    const services: Service[] = [
      auth,
      deviceManager,
      history,
      flows,
      cron,
      kafkaWs,
      dataManager,
      kafka2ftp,
      deadLetters,
      x509,
      mqtt,
      webConsole,
    ];

    for (const s of services) if (s.routes) await app.register(s.routes);
    for (const s of services) {
      await s.start?.();
      if (s.close) closers.push(() => s.close!());
    }
    await app.listen({ port: config.httpPort, host: config.httpHost });
    // The HTTP server closes first so no new request reaches a closing service.
    closers.push(() => app.close());
    const httpPort = (app.server.address() as AddressInfo).port;
    const mqttPort = mqtt.address()?.port ?? null;
    const mqttsPort = mqtt.tlsAddress()?.port ?? null;
    log.info(
      {
        http: httpPort,
        mqtt: mqttPort,
        mqtts: mqttsPort,
        store: store.kind,
        bus: bus.kind,
        cache: cache.kind,
        dataDir: config.dataDir,
        ms: Date.now() - started,
      },
      `dojot-red ready: HTTP on ${config.httpHost}:${httpPort}, MQTT on ${mqttPort === null ? '(plain MQTT off)' : `${config.mqttHost}:${mqttPort}`}, data in ${config.dataDir}`,
    );
    return {
      config,
      log,
      bus,
      store,
      cache,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      httpPort,
      mqttPort,
      mqttsPort,
      mqtt,
      routes: app.routeList,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
