// GET /metrics: this process's figures in Prometheus' text format, from prom-client. One registry
// per platform (tests run several in one process). Labels carry only bounded values, never what a
// device or a request chose: a bus subject from a fixed list (else "other"), a consumer group with
// its per-instance suffix cut, a route's pattern (never the raw URL), a tenant name (made by
// administrators, checked here again), never a device id.
//
// Who may read it: with DOJOT_METRICS_TOKEN set, whoever sends "Authorization: Bearer <token>";
// without it, loopback clients only (by the TCP peer address: no forwarded header is believed).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bus, BusMessage } from './bus/index.js';
import type { DeadLetter } from './bus/poison.js';
import { SUBJECTS } from './contracts/topics.js';
import { CommonErrors } from './errors.js';

/** Subjects named in labels; any other is "other". */
const KNOWN_SUBJECTS: ReadonlySet<string> = new Set([
  ...Object.values(SUBJECTS),
  'dojot-red.auth.policy',
  'dojot-red.flows',
  'dojot-red.debug',
  'dojot.x509',
]);

/** The subject of `<tenant>.<subject>`, if it is one of the platform's; else "other". */
export function subjectLabel(topic: string): string {
  const i = topic.indexOf('.');
  const s = i < 0 ? '' : topic.slice(i + 1);
  return KNOWN_SUBJECTS.has(s) ? s : 'other';
}

const UUID_SUFFIX = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A consumer group as a label: its per-instance suffix (a UUID) cut, so that restarts add no series. */
export function consumerLabel(group: string): string {
  const g = group.replace(UUID_SUFFIX, '');
  return /^[a-z][a-z0-9-]{0,60}$/.test(g) ? g : 'other';
}

/** A tenant as a label: tenant names are made by administrators; anything else is "other". */
export function tenantLabel(tenant: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(tenant) ? tenant : 'other';
}

/**
 * The process's own figures (CPU, memory, heap, event loop, GC): one registry per process, made
 * at the first platform start, since its observers live as long as the process.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: 'dojot_' });
  }
  return processRegistry;
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

type Labels = Record<string, string>;

export class Metrics {
  readonly registry = new Registry();
  private readonly published: Counter;
  private readonly consumed: Counter;
  private readonly batchSize: Histogram;
  private readonly deadLetterCount: Counter;
  private readonly http: Histogram;
  /** Consumer names a dead letter may be labelled with, besides this process's groups. */
  private readonly letterConsumers = new Set(['flow-runtimes', 'flow-runtime', 'kafka2ftp']);

  /**
   * Bus traffic as plain counts by subject label (and consumer), handed to the counters only when
   * scraped: a labelled counter's inc() per message was ~10 % of the platform's thread in the
   * ingest bench. Keyed by the label, not the topic, so a tenant cannot grow them.
   */
  private readonly publishedBySubject = new Map<string, number>();
  private readonly consumedByConsumer = new Map<string, Map<string, number>>();

  constructor() {
    processMetrics();
    const registers = [this.registry];
    const { publishedBySubject, consumedByConsumer } = this;
    this.published = new Counter({
      name: 'dojot_bus_messages_published_total',
      help: 'Messages this process put on the bus, by subject',
      labelNames: ['subject'],
      registers,
      collect() {
        this.reset();
        for (const [subject, n] of publishedBySubject) this.inc({ subject }, n);
      },
    });
    this.consumed = new Counter({
      name: 'dojot_bus_messages_consumed_total',
      help: "Messages this process's consumers handled, by subject and consumer group",
      labelNames: ['subject', 'consumer'],
      registers,
      collect() {
        this.reset();
        for (const [consumer, bySubject] of consumedByConsumer)
          for (const [subject, n] of bySubject) this.inc({ subject, consumer }, n);
      },
    });
    this.batchSize = new Histogram({
      name: 'dojot_bus_batch_size',
      help: 'Messages per batch handed to a consumer, by consumer group',
      labelNames: ['consumer'],
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    });
    this.deadLetterCount = new Counter({
      name: 'dojot_dead_letters_total',
      help: 'Messages set aside as dead letters and kept by this process, by tenant and consumer',
      labelNames: ['tenant', 'consumer'],
      registers,
    });
    this.http = new Histogram({
      name: 'dojot_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status: time to the answer',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** A gauge whose values are read when scraped. */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    read: () => Promise<[Labels, number][]> | [Labels, number][],
  ) {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        const values = await read();
        this.reset();
        for (const [labels, v] of values) this.set(labels, v);
      },
    });
  }

  /** A counter kept elsewhere (a running total), read when scraped. */
  counter(name: string, help: string, labelNames: string[], read: () => [Labels, number][]) {
    new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, v] of read()) this.inc(labels, v);
      },
    });
  }

  /** Counts bus traffic: publishes (by subject), consumed messages and batch sizes (by consumer). Patches `bus` in place. */
  instrumentBus(bus: Bus): Bus {
    const publish = bus.publish.bind(bus);
    const publishMany = bus.publishMany.bind(bus);
    const subscribe = bus.subscribe.bind(bus);
    // Counted in each: neither adapter's publish() goes through its publishMany().
    const published = this.publishedBySubject;
    const count = (counts: Map<string, number>, topic: string) => {
      const subject = subjectLabel(topic);
      counts.set(subject, (counts.get(subject) ?? 0) + 1);
    };
    bus.publish = (topic, key, value) => publish(topic, key, value).then(() => void count(published, topic));
    bus.publishMany = async (messages) => {
      await publishMany(messages);
      for (const m of messages) count(published, m.topic);
    };
    bus.subscribe = (opts) => {
      const consumer = consumerLabel(opts.group);
      this.letterConsumers.add(consumer);
      let consumed = this.consumedByConsumer.get(consumer);
      if (!consumed) this.consumedByConsumer.set(consumer, (consumed = new Map()));
      const counts = consumed;
      return subscribe({
        ...opts,
        handler: async (batch: BusMessage[]) => {
          await opts.handler(batch);
          this.batchSize.observe({ consumer }, batch.length);
          for (const m of batch) count(counts, m.topic);
        },
      });
    };
    return bus;
  }

  /** Counts letters kept (call once they are stored). */
  countDeadLetters(letters: DeadLetter[]): void {
    for (const l of letters) this.deadLetterCount.inc(this.deadLetterLabels(l.tenant, l.consumer));
  }

  /** Labels for a dead letter: its consumer name comes from a tenant runtime on Kafka, so only known names pass. */
  deadLetterLabels(tenant: string, consumer: string): Labels {
    const c = consumerLabel(consumer);
    return { tenant: tenantLabel(tenant), consumer: this.letterConsumers.has(c) ? c : 'other' };
  }

  /** Times every answered request under its route's pattern (the raw URL never becomes a label). */
  instrumentHttp(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      const route = req.routeOptions?.url ?? '(no route)';
      const method = HTTP_METHODS.has(req.method) ? req.method : 'other';
      this.http.observe({ method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }

  async text(): Promise<string> {
    return `${await processMetrics().metrics()}\n${await this.registry.metrics()}`;
  }
}

const isLoopback = (address: string | undefined): boolean =>
  !!address && (address === '::1' || /^(::ffff:)?127\./.test(address));

const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics, public to the gateway (scrapers carry no platform token): the check is its own. */
export function metricsRoute(metrics: Metrics, token: string) {
  const expected = token ? digest(token) : null;
  return async (app: FastifyInstance) => {
    app.get('/metrics', { config: { public: true } }, async (req, reply) => {
      if (expected) {
        const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
        if (!timingSafeEqual(digest(given), expected)) throw CommonErrors.METRICS_TOKEN_REQUIRED();
      } else if (!isLoopback(req.raw.socket.remoteAddress)) throw CommonErrors.METRICS_LOOPBACK_ONLY();
      const body = await metrics.text();
      return reply.type(metrics.registry.contentType).send(body);
    });
  };
}
