// A token ends when its user's rights end: removing the user, or changing their password, voids
// every token issued before, at once and on every instance; and a tenant emptied of users cannot
// be brought back by one of its old tokens.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { requireService } from './helpers/services.js';
import {
  createServiceDeployment,
  startTestPlatform,
  type ServiceDeployment,
  type TestPlatform,
} from './helpers/start-platform.js';

describe("tokens end with their user's rights", function () {
  this.timeout(90_000);
  let p: TestPlatform;
  let admin: string;
  let n = 0;

  /** A new user of a new tenant (its only user, an admin of it), and their token. */
  const newUser = async (target: TestPlatform = p, token = admin) => {
    const username = `u${++n}${Date.now().toString(36)}`;
    const tenant = `t${username}`;
    const res = await target.api(token, 'POST', '/auth/user', {
      username,
      service: tenant,
      email: `${username}@x.io`,
      name: username,
      profile: 'admin',
      passwd: 'secret1',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { username, tenant, id: res.body[0].user.id as number, token: await target.login(username, 'secret1') };
  };

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
  });
  after(async () => p?.close());

  it("refuses a removed user's token at once", async () => {
    const u = await newUser();
    assert.equal((await p.api(u.token, 'GET', '/device')).status, 200);
    assert.equal((await p.api(admin, 'DELETE', `/auth/user/${u.id}`)).status, 200);
    const res = await p.api(u.token, 'GET', '/device');
    assert.equal(res.status, 401, JSON.stringify(res.body));
    assert.match(res.body.error, /revoked/);
    assert.equal(
      (
        await p.api(u.token, 'POST', '/auth/user', {
          username: `${u.username}x`,
          service: u.tenant,
          email: `${u.username}x@x.io`,
          name: 'x',
          profile: 'admin',
          passwd: 'secret1',
        })
      ).status,
      401,
    );
  });

  it('refuses a token issued before its user changed password, and takes one issued after', async () => {
    const u = await newUser();
    const update = await p.api(u.token, 'POST', '/auth/password/update', {
      oldpasswd: 'secret1',
      newpasswd: 'secret2',
    });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    assert.equal((await p.api(u.token, 'GET', '/device')).status, 401);
    const fresh = await p.login(u.username, 'secret2');
    assert.equal((await p.api(fresh, 'GET', '/device')).status, 200);
  });

  it("refuses a token issued before an administrator set the user's password", async () => {
    const u = await newUser();
    assert.equal((await p.api(admin, 'PUT', `/auth/user/${u.id}`, { passwd: 'secret3' })).status, 200);
    assert.equal((await p.api(u.token, 'GET', '/device')).status, 401);
    assert.equal((await p.api(await p.login(u.username, 'secret3'), 'GET', '/device')).status, 200);
  });

  it("keeps other users' tokens working", async () => {
    const a = await newUser();
    const b = await newUser();
    await p.api(admin, 'DELETE', `/auth/user/${a.id}`);
    assert.equal((await p.api(b.token, 'GET', '/device')).status, 200);
    assert.equal((await p.api(admin, 'GET', '/device')).status, 200);
  });

  it('does not let an old token bring back the tenant its user emptied, even when the record voiding it is lost', async () => {
    const u = await newUser();
    await p.api(admin, 'DELETE', `/auth/user/${u.id}`);
    assert.deepEqual((await p.api(admin, 'GET', '/auth/admin/tenants')).body.tenants.includes(u.tenant), false);
    // The cache forgets (a Redis restart): the token's signature and expiry still verify.
    await p.cache.del(`auth:revoked:${u.id}`);
    const res = await p.api(u.token, 'POST', '/auth/user', {
      username: `${u.username}x`,
      service: u.tenant,
      email: `${u.username}x@x.io`,
      name: 'x',
      profile: 'admin',
      passwd: 'secret1',
    });
    // The permission data (PAP) gives a removed user no group, so the gateway refuses it (403) before
    // the service's own check of the caller (401) is reached: either way nothing is created.
    assert.ok([401, 403].includes(res.status), JSON.stringify(res.body));
    assert.deepEqual((await p.api(admin, 'GET', '/auth/admin/tenants')).body.tenants.includes(u.tenant), false);
  });

  /** What the tenant's runtime (Node-RED's comms) answers to an auth packet carrying `token`, on a websocket opened with `door`. */
  const commsAuth = async (door: string, token: string): Promise<unknown> => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.httpPort}/flows/comms?access_token=${encodeURIComponent(door)}`);
    try {
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const answer = new Promise((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
      ws.send(JSON.stringify({ auth: token }));
      return await answer;
    } finally {
      ws.close();
    }
  };

  /** commsAuth once the tenant's runtime answers (it starts on the first request, and may take long on a busy machine). */
  const runtimeUp = async (door: string, token = door): Promise<unknown> => {
    const end = Date.now() + 60_000;
    for (;;) {
      try {
        return await commsAuth(door, token);
      } catch (err) {
        if (Date.now() > end) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  it("the tenant runtime refuses, at once (its first answer after the change), the token of a user whose password changed: its own check, not only the gateway's", async () => {
    const u = await newUser();
    // The runtime is running and takes the user's token (its first start may be slow on a busy machine).
    assert.deepEqual(await runtimeUp(u.token), { auth: 'ok' });
    const update = await p.api(u.token, 'POST', '/auth/password/update', {
      oldpasswd: 'secret1',
      newpasswd: 'secret2',
    });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    const fresh = await p.login(u.username, 'secret2');
    // The websocket comes in through the gateway with the new token; the runtime is then handed
    // the old one (as an editor tab left open since before the change does): it must refuse it.
    assert.deepEqual(await commsAuth(fresh, u.token), { auth: 'fail' });
    assert.deepEqual(await commsAuth(fresh, fresh), { auth: 'ok' });
  });

  it('the tenant runtime refuses the token of a removed user', async () => {
    const u = await newUser();
    // A second admin of the same tenant: their token opens the door after the first is removed.
    const other = await p.api(u.token, 'POST', '/auth/user', {
      username: `${u.username}b`,
      service: u.tenant,
      email: `${u.username}b@x.io`,
      name: 'b',
      profile: 'admin',
      passwd: 'secret1',
    });
    assert.equal(other.status, 200, JSON.stringify(other.body));
    const door = await p.login(`${u.username}b`, 'secret1');
    assert.deepEqual(await runtimeUp(door, u.token), { auth: 'ok' });
    assert.equal((await p.api(admin, 'DELETE', `/auth/user/${u.id}`)).status, 200);
    assert.deepEqual(await commsAuth(door, u.token), { auth: 'fail' });
  });

  describe('on two instances sharing PostgreSQL and Redis', () => {
    let deployment: ServiceDeployment | undefined;
    let a: TestPlatform;
    let b: TestPlatform;

    before(async function () {
      for (const s of ['postgres', 'redis', 'kafka'] as const) await requireService.call(this, s);
      deployment = await createServiceDeployment();
      a = await startTestPlatform(deployment.env);
      b = await startTestPlatform(deployment.env);
    });
    after(async () => {
      await a?.close();
      await b?.close();
      await deployment?.drop();
    });

    it('refuses on one instance, within a second, the token of a user removed through the other', async () => {
      const adminA = await a.login();
      const u = await newUser(a, adminA);
      assert.equal((await b.api(u.token, 'GET', '/device')).status, 200);
      assert.equal((await a.api(adminA, 'DELETE', `/auth/user/${u.id}`)).status, 200);
      const removed = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - removed < 1_000) status = (await b.api(u.token, 'GET', '/device')).status;
      assert.equal(status, 401, 'instance B refuses the token');
      assert.ok(Date.now() - removed < 1_000, 'within a second');
    });
  });
});
