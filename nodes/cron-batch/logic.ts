import { getPath } from '../_shared/msg.js';
import type { Msg } from '../_shared/red.js';
import type { CronJobSpec } from '../_shared/services.js';
import type { CronBatchConfig } from './config.js';

/** The job specs to create: a list of objects, each a full job body (§8). */
export function specsOf(cfg: CronBatchConfig, msg: Msg): CronJobSpec[] | Error {
  const v = getPath(msg, cfg.jobs);
  if (!Array.isArray(v) || v.some((j) => j === null || typeof j !== 'object' || Array.isArray(j)))
    return new Error(`${cfg.jobs} must hold a list of job specs`);
  return v as CronJobSpec[];
}

export function idsOf(cfg: CronBatchConfig, msg: Msg): string[] | Error {
  const v = getPath(msg, cfg.inJobIds);
  if (!Array.isArray(v) || v.some((id) => typeof id !== 'string' || !id))
    return new Error(`${cfg.inJobIds} must hold a list of job ids`);
  return v as string[];
}

/** Resolves as p does, or rejects after ms. */
export function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>(
    (_r, reject) => (timer = setTimeout(() => reject(new Error(`the scheduler did not answer within ${ms} ms`)), ms)),
  );
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
