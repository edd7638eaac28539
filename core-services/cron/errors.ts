// Cron's coded errors. dojot's body was {"status":"error","errors":[{"error": <number>, "message"}]}
// (§8 of docs/dojot-compatibility.md: the element key observed in code is `error`); those keys ride along as extra.
import { defineErrors, type AnyFactory, type PlatformError } from '../platform/errors.js';

export const CronErrors = defineErrors({
  CRON_INTERNAL: {
    status: 500,
    message: 'Internal error: {detail}',
    fix: 'Retry; if it persists, the platform log says what failed (a store or bus outage).',
  },
  CRON_NOT_FOUND: { status: 404, message: 'Resource not found.', fix: 'Use a job id from GET /cron/v1/jobs.' },
  CRON_INVALID_SPEC: {
    status: 400,
    message: 'the job spec must be a JSON object',
    fix: 'Send the job as a JSON object {time, http | broker, ...}.',
  },
  CRON_INVALID_TIME: {
    status: 400,
    message: 'time: {problem}',
    fix: 'Give a cron expression of 5 fields, or 6 with seconds first.',
  },
  CRON_INVALID_TIMEZONE: {
    status: 400,
    message: 'timezone: {problem}',
    fix: 'Give an IANA zone such as "UTC" or "America/Sao_Paulo".',
  },
  CRON_INVALID_NAME: {
    status: 400,
    message: 'name: {problem}',
    fix: 'Give "name" as a string within the limit named.',
  },
  CRON_INVALID_DESCRIPTION: {
    status: 400,
    message: 'description: {problem}',
    fix: 'Give "description" as a string within the limit named.',
  },
  CRON_INVALID_ACTION: {
    status: 400,
    message: 'exactly one action is required: "http" or "broker"',
    fix: 'Give exactly one of "http" or "broker".',
  },
  CRON_INVALID_HTTP: { status: 400, message: 'http.{field}: {problem}', fix: 'Correct the field of "http" named.' },
  CRON_INVALID_BROKER: {
    status: 400,
    message: 'broker.{field}: {problem}',
    fix: 'Correct the field of "broker" named (subject: device-data or dojot.device-manager.device).',
  },
  CRON_JSCODE_UNSUPPORTED: {
    status: 400,
    message: 'jscode: not supported',
    fix: 'Use an http or broker action; run code in a flow instead.',
  },
  CRON_INVALID_JOB_ID: {
    status: 400,
    message: 'jobId: {problem}',
    fix: 'Use a job id of letters, digits, "-" and "_".',
  },
});

type Code = Exclude<keyof typeof CronErrors, 'table'>;

/** dojot's numeric error of each field (§8: 101 time … 131 jscode). */
const HTTP_FIELD_NUMBERS: Record<string, number> = {
  method: 111,
  url: 112,
  headers: 113,
  body: 114,
  criterion: 115,
  sregex: 116,
  fregex: 117,
};
const BROKER_FIELD_NUMBERS: Record<string, number> = { subject: 121, message: 122 };

/** A cron error with dojot's keys added: {"status":"error","errors":[{"error": n, "message"}]}. */
export function cronError<C extends Code>(code: C, ...[given]: Parameters<(typeof CronErrors)[C]>): PlatformError {
  const params: Record<string, unknown> = given ?? {};
  let n = 1;
  if (code === 'CRON_NOT_FOUND') n = 2;
  else if (code === 'CRON_INVALID_TIME') n = 101;
  else if (code === 'CRON_INVALID_TIMEZONE') n = 102;
  else if (code === 'CRON_INVALID_NAME') n = 103;
  else if (code === 'CRON_INVALID_DESCRIPTION') n = 104;
  else if (code === 'CRON_INVALID_ACTION' || code === 'CRON_INVALID_SPEC' || code === 'CRON_INVALID_JOB_ID') n = 105;
  else if (code === 'CRON_INVALID_HTTP') n = HTTP_FIELD_NUMBERS[String(params.field)] ?? 111;
  else if (code === 'CRON_INVALID_BROKER') n = BROKER_FIELD_NUMBERS[String(params.field)] ?? 121;
  else if (code === 'CRON_JSCODE_UNSUPPORTED') n = 131;
  // Picked at run time: the parameters are the caller's to match (spec.ts, service.ts, routes.ts).
  const factory = CronErrors[code] as AnyFactory;
  const e = factory(params);
  return factory(params, { status: 'error', errors: [{ error: n, message: e.message }] });
}
