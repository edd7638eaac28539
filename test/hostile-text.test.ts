// Every route answers text it cannot store or use — a NUL, a lone UTF-16 surrogate, a value far
// too long, a body nested 100,000 deep — with 400 naming the field, never a 5xx. The test walks
// every registered route, so a route added later is covered without being listed here.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

/**
 * Routes that hand the request on untouched (the editor proxy), or take no body at all (sign-out,
 * which refuses one whole): they must not fail, and need not name a field.
 */
const PASS_THROUGH = /^\/flows\/(\*|signout)$/;

describe('hostile text on every route', function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let jwt: string;

  /** The routes, by the methods a client uses (a route registered for all methods lists WebDAV's and QUERY too: the same handler). */
  let routes: { method: string; url: string }[];

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    routes = p.routes.filter((r) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(r.method));
  });
  after(async () => p?.close());

  /** The route's URL with each parameter set to `value` (already URL-encoded), or a harmless one. */
  const fill = (url: string, value?: string, only?: string) =>
    url.replace(/:(\w+)|\*/g, (m, name: string | undefined) =>
      value !== undefined && (only === undefined || only === (name ?? '*')) ? value : m === '*' ? 'x' : 'abc123',
    );

  const send = async (method: string, url: string, body?: string) => {
    const res = await fetch(p.httpUrl + url, {
      method,
      headers: {
        authorization: `Bearer ${jwt}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: { error?: string } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, error: parsed.error ?? text };
  };

  it("walks a route list that holds every service's routes", () => {
    const urls = p.routes.map((r) => r.url);
    for (const u of [
      '/device/:id',
      '/template',
      '/auth/user',
      '/history/device/:id/history',
      '/flows/v1/flow',
      '/x509/v1/certificates',
      '/dead-letters/v1/letters',
    ]) {
      assert.ok(
        urls.some((x) => x.startsWith(u)),
        `${u} is registered`,
      );
    }
  });

  it('answers a NUL or an over-long value in a path parameter with 400 naming it', async () => {
    const failures: string[] = [];
    for (const r of routes) {
      for (const name of [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1])) {
        for (const [what, value] of [
          ['NUL', 'a%00b'],
          ['too long', 'a'.repeat(2_000)],
        ]) {
          const url = fill(r.url, value, name);
          const res = await send(r.method, url, ['POST', 'PUT', 'PATCH'].includes(r.method) ? '{}' : undefined);
          if (res.status !== 400 || !res.error.includes(name))
            failures.push(`${r.method} ${r.url} (${what} in ${name}) → ${res.status} ${res.error.slice(0, 120)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
  });

  it('answers a NUL or an over-long value in a query parameter with 400 naming it', async () => {
    const failures: string[] = [];
    for (const r of routes) {
      for (const [what, query] of [
        ['NUL', 'label=%00'],
        ['too long', `label=${'a'.repeat(5_000)}`],
        ['NUL in a name', 'la%00bel=1'],
      ]) {
        const res = await send(
          r.method,
          `${fill(r.url)}?${query}`,
          ['POST', 'PUT', 'PATCH'].includes(r.method) ? '{}' : undefined,
        );
        const ok = PASS_THROUGH.test(r.url) ? res.status < 500 : res.status === 400 && /la.?bel/.test(res.error);
        if (!ok) failures.push(`${r.method} ${r.url} (${what}) → ${res.status} ${res.error.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('answers a NUL, a lone surrogate or nesting 100,000 deep in a JSON body with 400 naming where', async () => {
    const failures: string[] = [];
    const bodies: [string, string, RegExp][] = [
      ['NUL', '{"label":"a\\u0000b","attrs":[]}', /body\.label/],
      ['lone surrogate', '{"label":"\\ud800x","attrs":[]}', /body\.label/],
      ['NUL in a key', '{"a\\u0000b":1}', /body.*key/],
      ['nesting', `{"label":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, /body\.label.*nested deeper/],
    ];
    for (const r of routes.filter((x) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(x.method))) {
      for (const [what, body, field] of bodies) {
        const res = await send(r.method, fill(r.url), body);
        const ok = PASS_THROUGH.test(r.url) ? res.status < 500 : res.status === 400 && field.test(res.error);
        if (!ok) failures.push(`${r.method} ${r.url} (${what}) → ${res.status} ${res.error.slice(0, 120)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('answers the cases of the report with 400, and keeps serving', async () => {
    const device = (await p.api(jwt, 'POST', '/device', { label: 'd', templates: [] })).body.devices[0].id;
    const cases: [string, string, string | undefined, RegExp][] = [
      ['GET', '/device?label=%00', undefined, /label/],
      ['GET', '/template?label=%00', undefined, /label/],
      ['GET', '/device/%00', undefined, /id/],
      ['GET', `/history/device/${device}/history?attr=%00`, undefined, /attr/],
      ['GET', '/auth/user?username=%00', undefined, /username/],
      ['POST', '/template', '{"label":"a\\u0000","attrs":[]}', /body\.label/],
      [
        'POST',
        '/flows/v1/flow',
        `{"name":"x","flow":[{"id":"n1","type":"inject","p":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}]}`,
        /body\.flow\[0\]\.p.*nested deeper/,
      ],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await send(method, url, body);
      assert.equal(res.status, 400, `${method} ${url} → ${res.status} ${res.error}`);
      assert.match(res.error, field);
    }
    assert.equal((await p.api(jwt, 'GET', `/device/${device}`)).status, 200);
  });

  it('answers a body over the limit with 413 naming the limit in bytes', async () => {
    const res = await send('POST', '/template', JSON.stringify({ label: 'x', attrs: [], pad: 'a'.repeat(1_100_000) }));
    assert.equal(res.status, 413);
    assert.match(res.error, /larger than 1048576 bytes/);
  });
});
