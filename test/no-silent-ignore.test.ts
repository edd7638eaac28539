// A request asking for something that would be silently ignored — an unknown field, an invalid
// enum value, a bad sortBy — is answered with 400 naming it, never "ok" with nothing done.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('nothing asked for is silently ignored', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let admin: string;
  let userId: number;

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
    const created = await p.api(admin, 'POST', '/auth/user', {
      username: 'uma',
      service: 'admin',
      email: 'uma@x.io',
      name: 'Uma',
      profile: 'user',
      passwd: 'umapass',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // dojot answers POST /auth/user with [result, 200].
    userId = created.body[0].user.id;
  });
  after(async () => p?.close());

  it('refuses a user update with a field it would not apply, naming it, and changes nothing', async () => {
    const res = await p.api(admin, 'PUT', `/auth/user/${userId}`, { profile: 'admin' });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error, /^profile: /);
    const typo = await p.api(admin, 'PUT', `/auth/user/${userId}`, { name: 'Uma B', emial: 'x@y.io' });
    assert.equal(typo.status, 400);
    assert.match(typo.body.error, /^emial: unknown field/);
    assert.equal((await p.api(admin, 'GET', `/auth/user/${userId}`)).body.user.profile, 'user');
    assert.equal(
      (await p.api(admin, 'GET', `/auth/user/${userId}`)).body.user.name,
      'Uma',
      'nothing of a refused update is applied',
    );
  });

  it('refuses a new user with a field it would not keep', async () => {
    const res = await p.api(admin, 'POST', '/auth/user', {
      username: 'vic',
      service: 'admin',
      email: 'vic@x.io',
      name: 'Vic',
      profile: 'user',
      passwd: 'vicpass',
      groups: [1],
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^groups: unknown field/);
  });

  it('refuses an invalid sortBy, attr_format or flag on the device manager, naming it', async () => {
    const cases: [string, RegExp][] = [
      ['/device?sortBy=colour', /sortBy/],
      ['/template?sortBy=desc:nothing', /sortBy/],
      ['/template?attr_format=pretty', /attr_format/],
      ['/device?idsOnly=maybe', /idsOnly/],
    ];
    for (const [url, field] of cases) {
      const res = await p.api(admin, 'GET', url);
      assert.equal(res.status, 400, `${url} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, field);
    }
    for (const url of [
      '/device?sortBy=label',
      '/device?sortBy=desc:created',
      '/template?attr_format=split',
      '/device?idsOnly=true',
    ]) {
      assert.equal((await p.api(admin, 'GET', url)).status, 200, url);
    }
  });
});
