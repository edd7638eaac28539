// GET /health: whether this instance can do its work, for load balancers, orchestrators and the
// Docker HEALTHCHECK. Each engine it depends on (store, bus, cache) is asked at once, each within
// a bound; any that fails or is too slow makes the answer 503, naming it.
//   200 {"status":"ok","checks":{"store":{"status":"ok","ms":1},"bus":{...},"cache":{...}}}
//   503 {"status":"error","error":"store: Connection terminated","checks":{"store":{"status":"error","ms":3,"error":"..."},...}}
// A check that resolves to (or fails with an error carrying) a plain object `details` shows it:
// the bus consumers and the dead-letter counts, for example.
import type { FastifyInstance } from 'fastify';

/** Longest a check may take before it counts as failed, ms. */
const CHECK_TIMEOUT_MS = 2_000;

export type HealthChecks = Record<string, () => Promise<unknown>>;
/**
 * What the answer also tells, without failing it (`details`): a detail with a `warning` string adds
 * it to `warnings`, e.g. "tenant runtimes are not isolated". Filled in as services are made.
 */
export type HealthDetails = Record<string, () => { warning?: string } & Record<string, unknown>>;

interface CheckResult {
  status: 'ok' | 'error';
  ms: number;
  error?: string;
  details?: Record<string, unknown>;
}

const detailsOf = (v: unknown): Record<string, unknown> | undefined => {
  const d = v && typeof v === 'object' && !Array.isArray(v) ? (v as { details?: unknown }).details : undefined;
  return d && typeof d === 'object' && !Array.isArray(d) ? (d as Record<string, unknown>) : undefined;
};

async function run(check: () => Promise<unknown>): Promise<CheckResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    const details = detailsOf(answer);
    return { status: 'ok', ms: Date.now() - started, ...(details ? { details } : {}) };
  } catch (err) {
    const details = detailsOf(err);
    return {
      status: 'error',
      ms: Date.now() - started,
      error: (err as Error)?.message || String(err),
      ...(details ? { details } : {}),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealth(app: FastifyInstance, checks: HealthChecks, details: HealthDetails = {}): void {
  app.get('/health', { config: { public: true } }, async (_req, reply) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => run(checks[n])));
    const report = Object.fromEntries(names.map((n, i) => [n, results[i]]));
    const failed = names.filter((n) => report[n].status === 'error');
    const extra: Record<string, unknown> = {};
    if (Object.keys(details).length) {
      const shown = Object.fromEntries(Object.entries(details).map(([n, d]) => [n, d()]));
      const warnings = Object.values(shown)
        .map((d) => d.warning)
        .filter((w): w is string => Boolean(w));
      extra.details = shown;
      if (warnings.length) extra.warnings = warnings;
    }
    if (failed.length === 0) return { status: 'ok', checks: report, ...extra };
    return reply.status(503).send({
      status: 'error',
      error: failed.map((n) => `${n}: ${report[n].error}`).join('; '),
      checks: report,
      ...extra,
    });
  });
}
