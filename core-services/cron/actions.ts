// What a job does when it fires: an HTTP request to an allowed URL, or a message on the bus.
import type { Bus } from '../platform/bus/index.js';
import type { Logger } from '../platform/log.js';
import { topicOf } from '../platform/contracts/topics.js';
import type { CronBrokerAction, CronHttpAction } from './client.js';
import type { StoredJob } from './store.js';

/** A job's request may not hang its fire forever, ms. */
const HTTP_TIMEOUT_MS = 10_000;

export async function runHttp(action: CronHttpAction, log: Logger): Promise<void> {
  const headers: Record<string, string> = { ...(action.headers ?? {}) };
  let body: string | undefined;
  if (action.body !== undefined && action.method !== 'GET' && action.method !== 'HEAD') {
    body = typeof action.body === 'string' ? action.body : JSON.stringify(action.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['content-type'] = 'application/json';
  }
  // No redirects: following one could leave the allow-list.
  const res = await fetch(action.url, {
    method: action.method,
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await res.text();
  // dojot's criteria: 1 = a 2xx status, 2 = the body matches sregex, 3 = the body does not match fregex.
  const ok =
    action.criterion === 2
      ? new RegExp(action.sregex ?? '').test(text)
      : action.criterion === 3
        ? !new RegExp(action.fregex ?? '$^').test(text)
        : res.status >= 200 && res.status < 300;
  if (ok) log.debug({ url: action.url, status: res.status }, 'cron request succeeded');
  else log.warn({ url: action.url, status: res.status }, 'cron request failed by its criterion');
}

/** The partition key of a device message, so a scheduled message keeps order with the device's others. */
function keyOf(message: unknown): string | null {
  const m = message as { data?: { id?: unknown }; metadata?: { deviceid?: unknown } } | null;
  const id = m?.data?.id ?? m?.metadata?.deviceid;
  return typeof id === 'string' ? id : null;
}

export async function runBroker(tenant: string, action: CronBrokerAction, bus: Bus): Promise<void> {
  let message = action.message;
  if (typeof message === 'string') {
    try {
      message = JSON.parse(message);
    } catch {
      /* a plain string is published as it is */
    }
  }
  await bus.publish(topicOf(tenant, action.subject), keyOf(message), message);
}

export async function runJob(job: StoredJob, bus: Bus, log: Logger): Promise<void> {
  if (job.spec.http) await runHttp(job.spec.http, log);
  else if (job.spec.broker) await runBroker(job.tenant, job.spec.broker, bus);
}
