import assert from 'node:assert/strict';
import { TENANCY_TOPIC } from '../core-services/platform/contracts/topics.js';
import type { BusMessage } from '../core-services/platform/bus/index.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('auth over HTTP', () => {
  let p: TestPlatform;
  let admin: string;
  const tenancy: BusMessage[] = [];

  before(async () => {
    p = await startTestPlatform({ DOJOT_AUTH_FAILURES_PER_USER: '3' });
    await p.bus.subscribe({
      topic: TENANCY_TOPIC,
      group: 'test-tenancy',
      handler: async (b) => void tenancy.push(...b),
    });
    admin = await p.login();
  });
  after(async () => p?.close());

  const waitFor = async (pred: () => boolean, ms = 2000) => {
    const end = Date.now() + ms;
    while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.ok(pred(), 'condition not met in time');
  };

  it('logs in admin/admin on first start and returns {jwt}', async () => {
    const res = await p.api(null, 'POST', '/auth', { username: 'admin', passwd: 'admin' });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ['jwt']);
    assert.equal(res.body.jwt.split('.').length, 3);
  });

  it("answers /auth/revoke (which dojot did not offer) with 403, a catalogued code and dojot's message", async () => {
    const res = await p.api(null, 'POST', '/auth/revoke', {});
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, {
      error: 'Not authorized: token revocation is not offered',
      code: 'AUTH_REVOKE_NOT_OFFERED',
      message: 'Not authorized',
    });
  });

  it("logs in on POST /auth/ with a trailing slash, as dojot's clients send it", async () => {
    const res = await fetch(`${p.httpUrl}/auth/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', passwd: 'admin' }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json', "dojot's auth sent no charset");
    assert.equal(typeof (await res.json()).jwt, 'string');
  });

  it('answers JSON without a charset where dojot did (auth, devices, templates) and with one elsewhere', async () => {
    const type = async (path: string) =>
      (await fetch(`${p.httpUrl}${path}`, { headers: { authorization: `Bearer ${admin}` } })).headers.get(
        'content-type',
      );
    assert.equal(await type('/auth/user'), 'application/json');
    assert.equal(await type('/device'), 'application/json');
    assert.equal(await type('/template/'), 'application/json');
    assert.equal(await type('/device/nosuch'), 'application/json', 'errors too');
    assert.equal(await type('/flows/v1/flow'), 'application/json; charset=utf-8');
  });

  it("answers dojot's login errors with a JSON error naming the problem", async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ passwd: 'x' }, 400, /missing username/],
      [{ username: 'admin' }, 400, /missing password/],
      [{ username: 'nobody', passwd: 'x' }, 401, /AuthenticationError/],
      [{ username: 'admin', passwd: 'wrong' }, 401, /AuthenticationError/],
    ];
    for (const [body, status, msg] of cases) {
      const res = await p.api(null, 'POST', '/auth', body);
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(res.body.error, msg);
      assert.equal(res.body.status, status);
    }
    const res = await fetch(`${p.httpUrl}/auth`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'username=admin',
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /invalid mimetype/);
  });

  it('slows brute force: after repeated failures for a user from one address, even the right password gets 429 there', async () => {
    await p.api(admin, 'POST', '/auth/user', {
      username: 'victim',
      service: 'admin',
      email: 'v@x.io',
      name: 'V',
      profile: 'user',
      passwd: 'rightpw',
    });
    for (let i = 0; i < 3; i++)
      assert.equal((await p.api(null, 'POST', '/auth', { username: 'victim', passwd: 'bad' })).status, 401);
    const res = await p.api(null, 'POST', '/auth', { username: 'victim', passwd: 'rightpw' });
    assert.equal(res.status, 429);
    assert.match(res.body.error, /Too many failed logins/);
  });

  it('refuses protected routes without a token, with a forged token, or with garbage', async () => {
    assert.equal((await p.api(null, 'GET', '/device')).status, 401);
    assert.equal((await p.api('not.a.jwt', 'GET', '/device')).status, 401);
    const [h, , s] = admin.split('.');
    const claims = Buffer.from(
      JSON.stringify({ service: 'other', username: 'admin', profile: 'admin', exp: 9999999999, iss: 'dojot-red' }),
    ).toString('base64url');
    const forged = await p.api(`${h}.${claims}.${s}`, 'GET', '/device');
    assert.equal(forged.status, 401);
    assert.match(forged.body.error, /Invalid JWT/);
  });

  it('creates a user of a new tenant, announces the tenant, and lists it', async () => {
    const res = await p.api(admin, 'POST', '/auth/user', {
      username: 'ann',
      service: 'acme',
      email: 'ann@acme.io',
      name: 'Ann',
      profile: 'admin',
      passwd: 'annpass',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // dojot's two-element answer: [result, 200]; its clients read [0].
    assert.ok(Array.isArray(res.body) && res.body.length === 2 && res.body[1] === 200, JSON.stringify(res.body));
    assert.equal(res.body[0].message, 'user created');
    assert.deepEqual(res.body[0].groups, ['admin']);
    assert.deepEqual(res.body[0]['could not add'], []);
    assert.equal(res.body[0].user.service, 'acme');
    assert.equal(res.body[0].user.password_hash, undefined);
    await waitFor(() => tenancy.some((m) => (m.value as any).type === 'CREATE' && (m.value as any).tenant === 'acme'));
    const tenants = await p.api(admin, 'GET', '/auth/admin/tenants');
    assert.deepEqual(tenants.body.tenants, ['acme', 'admin']);
    const ann = await p.login('ann', 'annpass');
    assert.equal((await p.api(ann, 'GET', '/auth/admin/tenants')).status, 403);
  });

  it('lets a tenant administrator manage only the users of that tenant', async () => {
    const ann = await p.login('ann', 'annpass');
    const other = await p.api(ann, 'POST', '/auth/user', {
      username: 'bob',
      service: 'admin',
      email: 'bob@x.io',
      name: 'Bob',
      profile: 'user',
    });
    assert.equal(other.status, 403);
    const own = await p.api(ann, 'POST', '/auth/user', {
      username: 'carl',
      service: 'acme',
      email: 'carl@acme.io',
      name: 'Carl',
      profile: 'user',
      passwd: 'carlpw',
    });
    assert.equal(own.status, 200);
    const list = await p.api(ann, 'GET', '/auth/user');
    assert.deepEqual(list.body.users.map((u: any) => u.username).sort(), ['ann', 'carl']);
    assert.equal((await p.api(ann, 'GET', '/auth/user/admin')).status, 404);
  });

  it("gives profile user the user group's rights only", async () => {
    const carl = await p.login('carl', 'carlpw');
    const res = await p.api(carl, 'GET', '/auth/user');
    assert.equal(res.status, 403);
    assert.match(res.body.error, /Not authorized/);
    assert.equal((await p.api(carl, 'GET', '/device')).status, 200);
  });

  it("updates and removes users with dojot's rules", async () => {
    const carl = (await p.api(admin, 'GET', '/auth/user/carl')).body.user;
    assert.equal((await p.api(admin, 'PUT', `/auth/user/${carl.id}`, { username: 'karl' })).status, 400);
    const upd = await p.api(admin, 'PUT', `/auth/user/${carl.id}`, { name: 'Carl C.' });
    assert.deepEqual(upd.body, { message: 'ok', status: 200 });
    assert.equal((await p.api(admin, 'GET', `/auth/user/${carl.id}`)).body.user.name, 'Carl C.');
    assert.equal((await p.api(admin, 'PUT', '/auth/user/admin', { service: 'acme' })).status, 405);
    assert.equal((await p.api(admin, 'DELETE', '/auth/user/admin')).status, 405);
    assert.deepEqual((await p.api(admin, 'DELETE', `/auth/user/${carl.id}`)).body, {
      message: 'User removed',
      status: 200,
    });
    assert.equal((await p.api(admin, 'GET', `/auth/user/${carl.id}`)).status, 404);
  });

  it("announces DELETE when a tenant's last user goes", async () => {
    assert.equal((await p.api(admin, 'DELETE', '/auth/user/ann')).status, 200);
    await waitFor(() => tenancy.some((m) => (m.value as any).type === 'DELETE' && (m.value as any).tenant === 'acme'));
    assert.deepEqual((await p.api(admin, 'GET', '/auth/admin/tenants')).body.tenants, ['admin']);
  });

  it('validates user bodies and names the field', async () => {
    const cases: [unknown, RegExp][] = [
      [[], /body: expected a JSON object/],
      [{ service: 'x', email: 'a@b.c', name: 'n', profile: 'user' }, /username: is required/],
      [{ username: 'Bad-Name', service: 'x', email: 'a@b.c', name: 'n', profile: 'user' }, /username: must start/],
      [{ username: 'okname', service: 'x', email: 'nope', name: 'n', profile: 'user' }, /email: is not a valid/],
      [{ username: 'okname', service: 'x', email: 'a@b.c', name: 'n', profile: 'root' }, /profile: names no group/],
      [{ username: 'okname', service: 'a.b', email: 'a@b.c', name: 'n', profile: 'user' }, /service: must start/],
      [{ username: 'okname', service: 'x', email: 'a@b.c', name: 42, profile: 'user' }, /name: expected a string/],
    ];
    for (const [body, msg] of cases) {
      const res = await p.api(admin, 'POST', '/auth/user', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error, msg);
    }
    const res = await p.api(admin, 'POST', '/auth/user', '{"username": ');
    assert.equal(res.status, 400);
    assert.match(res.body.error, /valid JSON/);
  });

  it("changes a user's own password", async () => {
    await p.api(admin, 'POST', '/auth/user', {
      username: 'dora',
      service: 'admin',
      email: 'dora@x.io',
      name: 'Dora',
      profile: 'user',
      passwd: 'dorapw',
    });
    const dora = await p.login('dora', 'dorapw');
    assert.equal(
      (await p.api(dora, 'POST', '/auth/password/update', { oldpasswd: 'bad', newpasswd: 'newdora' })).status,
      403,
    );
    assert.equal(
      (await p.api(dora, 'POST', '/auth/password/update', { oldpasswd: 'dorapw', newpasswd: 'newdora' })).status,
      200,
    );
    await p.login('dora', 'newdora');
  });
});
