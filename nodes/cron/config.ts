import { ConfigError, oneOf, pathField, str } from '../_shared/config-error.js';

/** The keys of dojot's `cron` (§5.3). */
export const KEYS = [
  'name',
  'operation',
  'cronTimeExpression',
  'jobName',
  'jobDescription',
  'jobType',
  'jobAction',
  'jobActionType',
  'outJobId',
  'inJobId',
] as const;

export interface CronConfig {
  operation: 'CREATE' | 'REMOVE';
  time: string;
  jobName: string;
  jobDescription: string;
  /** broker: a bus message (dojot's "EVENT REQUEST"); http: a request. */
  actionKind: 'broker' | 'http';
  /** The action itself (json), or the path to it in msg. */
  action: { json: unknown } | { path: string };
  outJobId: string;
  inJobId: string;
}

export function parse(def: Record<string, unknown>): CronConfig {
  const operation = oneOf(def, 'operation', ['CREATE', 'REMOVE'] as const, 'CREATE');
  if (operation === 'REMOVE') {
    return {
      operation,
      time: '',
      jobName: '',
      jobDescription: '',
      actionKind: 'broker',
      action: { json: null },
      outJobId: '',
      inJobId: pathField(def, 'inJobId'),
    };
  }
  const time = str(def, 'cronTimeExpression').trim();
  if (!time) throw new ConfigError('cronTimeExpression', 'is required');
  const jobType = oneOf(def, 'jobType', ['EVENT REQUEST', 'HTTP REQUEST'] as const, 'EVENT REQUEST');
  const actionType = oneOf(def, 'jobActionType', ['json', 'msg'] as const, 'json');
  let action: CronConfig['action'];
  if (actionType === 'msg') action = { path: pathField(def, 'jobAction') };
  else {
    try {
      action = { json: JSON.parse(str(def, 'jobAction')) };
    } catch {
      throw new ConfigError('jobAction', "must be JSON (the job's broker or http action)");
    }
  }
  return {
    operation,
    time,
    jobName: str(def, 'jobName'),
    jobDescription: str(def, 'jobDescription'),
    actionKind: jobType === 'EVENT REQUEST' ? 'broker' : 'http',
    action,
    outJobId: str(def, 'outJobId').trim() ? pathField(def, 'outJobId') : '',
    inJobId: '',
  };
}
