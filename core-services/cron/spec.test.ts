// dojot's job spec: what validateSpec accepts (normalised) and what it refuses, naming the field;
// the allow-list of http actions; and when a schedule fires next (croner, as the scheduler runs it).
import assert from 'node:assert/strict';
import { PlatformError } from '../platform/errors.js';
import { BROKER_SUBJECTS, parseSchedule, urlAllowed, validateSpec } from './spec.js';

const policy = { allowedBaseUrls: () => ['http://127.0.0.1:8000/hook', 'https://api.example.org'] };
const broker = { subject: 'device-data', message: { data: { id: 'a1' } } };
const http = { method: 'post', url: 'http://127.0.0.1:8000/hook/run' };

/** The code and message of the error validateSpec throws for `input`. */
function refusal(input: unknown): { code: string; status: number; message: string } {
  try {
    validateSpec(input, policy);
  } catch (err) {
    assert.ok(err instanceof PlatformError, `not a PlatformError: ${String(err)}`);
    return { code: err.code, status: err.status, message: err.message };
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

describe('cron: the job spec', () => {
  it('accepts a broker job and an http job, with UTC by default and the method in capitals', () => {
    assert.deepEqual(validateSpec({ time: '*/5 * * * *', broker }, policy), {
      time: '*/5 * * * *',
      timezone: 'UTC',
      broker,
    });
    assert.deepEqual(
      validateSpec(
        {
          time: '0 30 8 * * 1-5',
          timezone: 'America/Sao_Paulo',
          name: 'morning',
          description: 'weekdays at 08:30:00',
          http: { ...http, headers: { 'x-a': '1' }, body: { on: true }, criterion: 2, sregex: '^ok', fregex: 'fail' },
        },
        policy,
      ),
      {
        time: '0 30 8 * * 1-5',
        timezone: 'America/Sao_Paulo',
        name: 'morning',
        description: 'weekdays at 08:30:00',
        http: {
          method: 'POST',
          url: http.url,
          headers: { 'x-a': '1' },
          body: { on: true },
          criterion: 2,
          sregex: '^ok',
          fregex: 'fail',
        },
      },
    );
  });

  it('drops fields it does not know instead of storing them', () => {
    const out = validateSpec({ time: '* * * * *', broker, extra: 'x', http: undefined }, policy);
    assert.deepEqual(Object.keys(out).sort(), ['broker', 'time', 'timezone']);
  });

  it('refuses a spec that is not an object, and jscode', () => {
    for (const input of [null, 'x', 3, [], undefined])
      assert.equal(refusal(input).code, 'CRON_INVALID_SPEC', JSON.stringify(input));
    assert.deepEqual(refusal({ time: '* * * * *', jscode: 'x()' }), {
      code: 'CRON_JSCODE_UNSUPPORTED',
      status: 400,
      message: 'jscode: not supported',
    });
  });

  it('refuses a missing or bad cron expression, naming the problem', () => {
    assert.equal(refusal({ broker }).message, 'time: a cron expression is required');
    assert.equal(refusal({ time: '  ', broker }).code, 'CRON_INVALID_TIME');
    for (const time of ['61 * * * *', '* * * *', '* * * * * * *', 'every day', '* 25 * * *']) {
      const r = refusal({ time, broker });
      assert.equal(r.code, 'CRON_INVALID_TIME', time);
      assert.match(r.message, /^time: ./, time);
    }
  });

  it('refuses an unknown or empty time zone', () => {
    assert.deepEqual(refusal({ time: '* * * * *', timezone: 'Mars/Olympus', broker }), {
      code: 'CRON_INVALID_TIMEZONE',
      status: 400,
      message: 'timezone: unknown time zone "Mars/Olympus"',
    });
    assert.equal(refusal({ time: '* * * * *', timezone: '', broker }).code, 'CRON_INVALID_TIMEZONE');
    assert.equal(refusal({ time: '* * * * *', timezone: 3, broker }).code, 'CRON_INVALID_TIMEZONE');
  });

  it("holds name and description to dojot's lengths", () => {
    assert.equal(validateSpec({ time: '* * * * *', name: 'n'.repeat(128), broker }, policy).name?.length, 128);
    assert.equal(refusal({ time: '* * * * *', name: 'n'.repeat(129), broker }).code, 'CRON_INVALID_NAME');
    assert.equal(refusal({ time: '* * * * *', name: 7, broker }).code, 'CRON_INVALID_NAME');
    assert.equal(
      validateSpec({ time: '* * * * *', description: 'd'.repeat(1024), broker }, policy).description?.length,
      1024,
    );
    assert.equal(
      refusal({ time: '* * * * *', description: 'd'.repeat(1025), broker }).code,
      'CRON_INVALID_DESCRIPTION',
    );
  });

  it('wants exactly one action', () => {
    assert.equal(refusal({ time: '* * * * *' }).code, 'CRON_INVALID_ACTION');
    assert.equal(refusal({ time: '* * * * *', http, broker }).code, 'CRON_INVALID_ACTION');
  });

  it('names the bad field of an http action', () => {
    const bad = (h: unknown) => refusal({ time: '* * * * *', http: h });
    assert.equal(bad('GET').message, 'http.method: http must be an object');
    assert.match(bad({ ...http, method: 'TRACE' }).message, /^http\.method: must be one of GET, POST/);
    assert.match(bad({ ...http, method: 4 }).message, /^http\.method: /);
    assert.match(
      bad({ ...http, url: 'http://127.0.0.1:9000/hook' }).message,
      /^http\.url: must start with an allowed base URL \(http:\/\/127\.0\.0\.1:8000\/hook, https:\/\/api\.example\.org\)$/,
    );
    assert.equal(bad({ ...http, headers: { a: 1 } }).message, 'http.headers: must be an object of strings');
    assert.equal(bad({ ...http, headers: ['a'] }).message, 'http.headers: must be an object of strings');
    assert.equal(bad({ ...http, criterion: 4 }).message, 'http.criterion: must be 1, 2 or 3');
    assert.equal(bad({ ...http, criterion: '1' }).message, 'http.criterion: must be 1, 2 or 3');
    assert.equal(bad({ ...http, sregex: '(' }).message, 'http.sregex: must be a valid regular expression');
    assert.equal(bad({ ...http, fregex: 5 }).message, 'http.fregex: must be a valid regular expression');
    for (const r of [bad({ ...http, criterion: 0 }), bad({ ...http, url: 'nope' })])
      assert.equal(r.code, 'CRON_INVALID_HTTP');
  });

  it('names the bad field of a broker action, and holds a message to 8192 characters', () => {
    const bad = (b: unknown) => refusal({ time: '* * * * *', broker: b });
    assert.equal(bad([]).message, 'broker.subject: broker must be an object');
    assert.equal(
      bad({ ...broker, subject: 'dojot.tenancy' }).message,
      `broker.subject: must be one of ${BROKER_SUBJECTS.join(', ')}`,
    );
    assert.equal(bad({ subject: 'device-data' }).message, 'broker.message: is required');
    assert.equal(bad({ subject: 'device-data', message: null }).message, 'broker.message: is required');
    assert.equal(
      bad({ subject: 'device-data', message: 'm'.repeat(8193) }).message,
      'broker.message: must be at most 8192 characters',
    );
    // An object counts as its JSON text.
    assert.equal(bad({ subject: 'device-data', message: { t: 'm'.repeat(8190) } }).code, 'CRON_INVALID_BROKER');
    const ok = validateSpec(
      { time: '* * * * *', broker: { subject: 'dojot.device-manager.device', message: 'm'.repeat(8192) } },
      policy,
    );
    assert.equal((ok.broker?.message as string).length, 8192);
  });
});

describe('cron: the http allow-list', () => {
  const bases = ['http://127.0.0.1:8000/hook', 'https://api.example.org/'];

  it('allows the base itself and paths under it', () => {
    for (const url of [
      'http://127.0.0.1:8000/hook',
      'http://127.0.0.1:8000/hook/',
      'http://127.0.0.1:8000/hook/a/b?x=1',
      'https://api.example.org/anything',
      'https://api.example.org',
    ])
      assert.equal(urlAllowed(url, bases), true, url);
  });

  it('refuses another origin, a sibling path, credentials tricks and what is not a URL', () => {
    for (const url of [
      'http://127.0.0.1:8000/hookx',
      'http://127.0.0.1:8000/',
      'http://127.0.0.1:8001/hook',
      'https://127.0.0.1:8000/hook',
      'http://localhost:8000/hook',
      'http://127.0.0.1:8000@evil.example/hook',
      'https://api.example.org.evil.example/',
      'http://api.example.org/',
      '/hook',
      'not a url',
    ])
      assert.equal(urlAllowed(url, bases), false, url);
    assert.equal(urlAllowed('http://127.0.0.1:8000/hook', []), false);
  });

  it('normalises the URL before it compares (dot segments cannot climb out of the base)', () => {
    assert.equal(urlAllowed('http://127.0.0.1:8000/hook/../admin', bases), false);
    assert.equal(urlAllowed('http://127.0.0.1:8000/hook/a/../b', bases), true);
  });
});

describe('cron: when a schedule fires', () => {
  const next = (time: string, zone: string, from: string) =>
    parseSchedule(time, zone).nextRun(new Date(from))?.toISOString();

  it('reads 5 fields as minutes first, and 6 with seconds first', () => {
    assert.equal(next('*/15 * * * *', 'UTC', '2026-03-01T10:07:30Z'), '2026-03-01T10:15:00.000Z');
    assert.equal(next('*/10 * * * * *', 'UTC', '2026-03-01T10:07:31Z'), '2026-03-01T10:07:40.000Z');
    assert.equal(next('0 0 * * 1', 'UTC', '2026-03-04T12:00:00Z'), '2026-03-09T00:00:00.000Z'); // next Monday
  });

  it('counts in the time zone of the job, across its offset', () => {
    // Midnight of New Year in São Paulo (UTC−3) is 03:00 UTC.
    assert.equal(next('0 0 1 1 *', 'America/Sao_Paulo', '2026-06-01T00:00:00Z'), '2027-01-01T03:00:00.000Z');
    // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
    assert.equal(next('0 9 * * *', 'Europe/Berlin', '2026-01-10T12:00:00Z'), '2026-01-11T08:00:00.000Z');
    assert.equal(next('0 9 * * *', 'Europe/Berlin', '2026-07-10T12:00:00Z'), '2026-07-11T07:00:00.000Z');
  });

  it('gives the fires after a time in order, never the time itself', () => {
    const cron = parseSchedule('0 * * * *', 'UTC');
    const runs = cron.nextRuns(3, new Date('2026-03-01T10:00:00Z')).map((d) => d.toISOString());
    assert.deepEqual(runs, ['2026-03-01T11:00:00.000Z', '2026-03-01T12:00:00.000Z', '2026-03-01T13:00:00.000Z']);
  });

  it('knows a day that never comes', () => {
    assert.equal(next('0 0 31 2 *', 'UTC', '2026-01-01T00:00:00Z'), undefined);
  });
});
