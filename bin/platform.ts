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
import { countByConsumer, countByTenantAndConsumer } from '../core-services/dead-letters/store.js';
import { Metrics, consumerLabel, metricsRoute, tenantLabel } from '../core-services/platform/metrics.js';
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

/** The figures read when /metrics is scraped. */
function registerGauges(
  m: Metrics,
  from: {
    bus: Bus;
    store: Store;
    mqtt: ReturnType<typeof createMqttAgent>;
    flows: ReturnType<typeof createFlowEngine>;
    kafka2ftp: ReturnType<typeof createKafka2Ftp>;
  },
): void {
  const { bus, store, mqtt, flows, kafka2ftp } = from;
  // MQTT: the agent's own counts.
  m.gauge('dojot_mqtt_connections', 'MQTT clients connected to this instance', [], () => [
    [{}, mqtt.counters().connected],
  ]);
  const agent: [string, string, (c: ReturnType<typeof mqtt.counters>) => number][] = [
    [
      'dojot_mqtt_messages_in_total',
      'Device messages accepted over MQTT and put on the bus',
      (c) => c.messagesForwarded,
    ],
    ['dojot_mqtt_connects_refused_total', 'MQTT CONNECTs refused', (c) => c.connectsRefused],
    ['dojot_mqtt_publishes_refused_total', 'MQTT PUBLISHes to a topic outside the ACL', (c) => c.publishesRefused],
    ['dojot_mqtt_bus_failures_total', 'Device messages the bus did not accept', (c) => c.busFailures],
  ];
  for (const [name, help, read] of agent) m.counter(name, help, [], () => [[{}, read(mqtt.counters())]]);
  m.counter(
    'dojot_mqtt_payloads_dropped_total',
    'MQTT payloads acknowledged but not forwarded, by reason',
    ['reason'],
    () => Object.entries(mqtt.counters().dropped).map(([reason, n]) => [{ reason }, n]),
  );
  m.counter(
    'dojot_mqtt_connections_unserved_total',
    'MQTT connections the worker processes closed before any MQTT, by reason (their clients must connect again)',
    ['reason'],
    () => Object.entries(mqtt.unserved()).map(([reason, n]) => [{ reason }, n]),
  );
  m.gauge('dojot_mqtt_worker_connections', 'MQTT clients connected to each MQTT worker process', ['worker'], () =>
    mqtt.workers().map((w) => [{ worker: String(w.index) }, w.connected]),
  );
  // Bus consumers: lag, how long the batch in hand has taken, dead letters (summed per group name).
  const perConsumer = (read: (c: ReturnType<Bus['consumers']>[number]) => number) => () => {
    const sums = new Map<string, number>();
    for (const c of bus.consumers())
      sums.set(consumerLabel(c.group), (sums.get(consumerLabel(c.group)) ?? 0) + read(c));
    return [...sums].map(([consumer, v]): [Record<string, string>, number] => [{ consumer }, v]);
  };
  m.gauge(
    'dojot_bus_consumer_lag_messages',
    'Messages waiting for a consumer group of this process (in-process: queue depth; Kafka: high watermark less its position)',
    ['consumer'],
    perConsumer((c) => c.waiting),
  );
  m.gauge(
    'dojot_bus_consumer_oldest_waiting_seconds',
    'Age of the oldest message waiting for, or in the hands of, a consumer group',
    ['consumer'],
    perConsumer((c) => c.oldestMs / 1000),
  );
  m.gauge(
    'dojot_bus_consumer_busy_seconds',
    'How long a consumer group has been on the batch in hand (0: idle)',
    ['consumer'],
    perConsumer((c) => c.busyMs / 1000),
  );
  // Dead letters kept in the store (every instance's), per tenant and consumer.
  m.gauge(
    'dojot_dead_letters_stored',
    'Dead letters kept in the store, by tenant and consumer',
    ['tenant', 'consumer'],
    async () => {
      const sums = new Map<string, [Record<string, string>, number]>();
      for (const r of await countByTenantAndConsumer(store)) {
        const labels = m.deadLetterLabels(r.tenant, r.consumer);
        const k = `${labels.tenant}\u0000${labels.consumer}`;
        sums.set(k, [labels, (sums.get(k)?.[1] ?? 0) + r.count]);
      }
      return [...sums.values()];
    },
  );
  // Tenant runtimes this instance supervises: how many in each state, and each one's memory.
  const STATES = ['stopped', 'starting', 'running', 'crashed', 'stopping', 'failed'];
  m.gauge('dojot_runtimes', 'Tenant flow runtimes of this instance, by state', ['state'], () => {
    const reports = flows.supervisor.reports();
    return STATES.map((state) => [{ state }, reports.filter((r) => r.state === state).length]);
  });
  m.gauge(
    'dojot_runtime_resident_bytes',
    'Resident memory of each tenant runtime, as the supervisor measured it',
    ['tenant'],
    () =>
      flows.supervisor
        .reports()
        .filter((r) => r.memory)
        .map((r) => [{ tenant: tenantLabel(r.tenant) }, r.memory!.rssBytes]),
  );
  m.gauge('dojot_runtime_heap_used_bytes', 'V8 heap in use in each tenant runtime', ['tenant'], () =>
    flows.supervisor
      .reports()
      .filter((r) => r.memory)
      .map((r) => [{ tenant: tenantLabel(r.tenant) }, r.memory!.heapUsedBytes]),
  );
  m.counter('dojot_runtime_restarts_total', 'Restarts of each tenant runtime', ['tenant'], () =>
    flows.supervisor.reports().map((r) => [{ tenant: tenantLabel(r.tenant) }, r.restarts]),
  );
  // kafka2ftp: files waiting for their tenant's FTP server.
  m.gauge('dojot_kafka2ftp_waiting_files', "Files waiting in this instance's per-tenant FTP upload queues", [], () => [
    [{}, kafka2ftp.consumer.lanes.total()],
  ]);
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
    const store = await createStore(config, log);
    closers.push(() => store.close());
    // What /metrics tells: this process's figures (prom-client), bus traffic counted as it passes.
    const metrics = new Metrics();
    // A message a consumer fails on every try is set aside in the store, and its batch goes on.
    const keep = deadLetterSink(store);
    const bus = metrics.instrumentBus(
      await createBus(config, log, async (letters) => {
        await keep(letters);
        metrics.countDeadLetters(letters);
      }),
    );
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
    metrics.instrumentHttp(app);
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
    const deadLetters = createDeadLetters(ctx, (letters) => metrics.countDeadLetters(letters));
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
    await app.register(metricsRoute(metrics, config.metricsToken));
    registerGauges(metrics, { bus, store, mqtt, flows, kafka2ftp });
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
