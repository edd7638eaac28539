// The job spec a cron node asks the scheduler for (§8):
//   {"time":"*/5 * * * *","name","description","broker":{"subject","message"}}   (EVENT REQUEST)
//   {"time":..., "http":{"method","url","headers?","body?"}}                        (HTTP REQUEST)
import { getPath } from '../_shared/msg.js';
import type { Msg } from '../_shared/red.js';
import type { CronJobSpec } from '../_shared/services.js';
import type { CronConfig } from './config.js';

export function jobSpec(cfg: CronConfig, msg: Msg): CronJobSpec | Error {
  const action = 'json' in cfg.action ? cfg.action.json : getPath(msg, cfg.action.path);
  if (action === null || typeof action !== 'object' || Array.isArray(action)) {
    return new Error(`jobAction must be an object (the job's ${cfg.actionKind} action)`);
  }
  const spec: CronJobSpec = {
    time: cfg.time,
    name: cfg.jobName || undefined,
    description: cfg.jobDescription || undefined,
  };
  if (cfg.actionKind === 'broker') spec.broker = action as CronJobSpec['broker'];
  else spec.http = action as CronJobSpec['http'];
  return spec;
}

/** The job id to remove, or an Error when the message holds none. */
export function jobIdToRemove(cfg: CronConfig, msg: Msg): string | Error {
  const id = getPath(msg, cfg.inJobId);
  return typeof id === 'string' && id ? id : new Error(`${cfg.inJobId} must hold a job id`);
}
