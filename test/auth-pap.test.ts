import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

// dojot's permission administration over HTTP, and the gateway deciding on what it stores.
describe('permissions, groups and the gateway (/auth/pap)', () => {
  let p: TestPlatform;
  let admin: string;

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
  });
  after(async () => p?.close());

  const ok = { status: 200, message: 'ok' };

  it("seeds dojot's groups admin and user with their permissions", async () => {
    const groups = await p.api(admin, 'GET', '/auth/pap/group');
    assert.equal(groups.status, 200);
    assert.deepEqual(
      groups.body.groups.map((g: any) => [g.id, g.name]),
      [
        [1, 'admin'],
        [2, 'user'],
      ],
    );
    assert.deepEqual(Object.keys(groups.body.groups[0]), ['id', 'name', 'description', 'created_date', 'created_by']);
    const adminPerms = await p.api(admin, 'GET', '/auth/pap/group/admin/permissions');
    assert.deepEqual(
      adminPerms.body.permissions.map((x: any) => [x.name, x.path, x.method, x.permission, x.type]),
      [['all_all', '/(.*)', '(.*)', 'permit', 'system']],
    );
    const userPerms = (await p.api(admin, 'GET', '/auth/pap/group/2/permissions')).body.permissions.map(
      (x: any) => x.name,
    );
    for (const name of ['all_device', 'all_template', 'all_flows', 'ro_history'])
      assert.ok(userPerms.includes(name), name);
    assert.deepEqual(
      (await p.api(admin, 'GET', '/auth/pap/user/admin/groups')).body.groups.map((g: any) => g.name),
      ['admin'],
    );
    assert.deepEqual(
      (await p.api(admin, 'GET', '/auth/pap/group/admin/users')).body.users.map((u: any) => u.username),
      ['admin'],
    );
  });

  describe('a custom group that may only read devices', () => {
    let reader: string;
    let permId: number;

    before(async () => {
      const perm = await p.api(admin, 'POST', '/auth/pap/permission', {
        name: 'ro_device',
        path: '/device/(.*)',
        method: 'GET',
        permission: 'permit',
      });
      assert.equal(perm.status, 200, JSON.stringify(perm.body));
      assert.deepEqual(Object.keys(perm.body), ['status', 'id']);
      permId = perm.body.id;
      const group = await p.api(admin, 'POST', '/auth/pap/group', {
        name: 'device_readers',
        description: 'read devices only',
      });
      assert.equal(group.status, 200, JSON.stringify(group.body));
      assert.deepEqual(await p.api(admin, 'POST', `/auth/pap/grouppermissions/device_readers/${permId}`), {
        status: 200,
        body: ok,
      });
      const user = await p.api(admin, 'POST', '/auth/user', {
        username: 'rita',
        service: 'admin',
        email: 'rita@x.io',
        name: 'Rita',
        profile: 'device_readers',
        passwd: 'ritapw',
      });
      assert.equal(user.status, 200, JSON.stringify(user.body));
      assert.deepEqual(user.body[0].groups, ['device_readers']);
      reader = await p.login('rita', 'ritapw');
    });

    it('reads devices over REST and may not change them, nor read templates', async () => {
      assert.equal((await p.api(reader, 'GET', '/device')).status, 200);
      assert.equal(
        (await p.api(reader, 'GET', '/device/nosuch')).status,
        404,
        'past the gateway: the device manager answers',
      );
      assert.equal((await p.api(reader, 'POST', '/device', { label: 'x', templates: [] })).status, 403);
      assert.equal((await p.api(reader, 'DELETE', '/device')).status, 403);
      assert.equal((await p.api(reader, 'GET', '/template')).status, 403);
      assert.equal((await p.api(reader, 'GET', '/auth/user')).status, 403);
    });

    it('may not use the flows API nor take a kafka-ws ticket', async () => {
      assert.equal((await p.api(reader, 'GET', '/flows/v1/flow')).status, 403);
      assert.equal((await p.api(reader, 'POST', '/flows/v1/flow', { name: 'f', flow: [] })).status, 403);
      assert.equal((await p.api(reader, 'GET', '/kafka-ws/v1/ticket')).status, 403);
    });

    it('gains and loses rights on its next request when the group changes, without a new token', async () => {
      const flows = await p.api(admin, 'GET', '/auth/pap/permission?path=/flows/(.*)');
      const allFlows = flows.body.permissions.find((x: any) => x.name === 'all_flows');
      assert.equal(
        (await p.api(admin, 'POST', `/auth/pap/grouppermissions/device_readers/${allFlows.id}`)).status,
        200,
      );
      assert.equal((await p.api(reader, 'GET', '/flows/v1/flow')).status, 200);
      assert.equal(
        (await p.api(admin, 'DELETE', `/auth/pap/grouppermissions/device_readers/${allFlows.id}`)).status,
        200,
      );
      assert.equal((await p.api(reader, 'GET', '/flows/v1/flow')).status, 403);
    });

    it('lets a direct deny win over what its groups permit', async () => {
      const deny = await p.api(admin, 'POST', '/auth/pap/permission', {
        name: 'no_device_list',
        path: '/device/$',
        method: 'GET',
        permission: 'deny',
      });
      assert.equal((await p.api(admin, 'POST', `/auth/pap/userpermissions/rita/${deny.body.id}`)).status, 200);
      assert.equal((await p.api(reader, 'GET', '/device')).status, 403);
      assert.equal(
        (await p.api(reader, 'GET', '/device/nosuch')).status,
        404,
        "the rest of the group's permit still holds",
      );
      const direct = await p.api(admin, 'GET', '/auth/pap/user/rita/directpermissions');
      assert.deepEqual(
        direct.body.permissions.map((x: any) => x.name),
        ['no_device_list'],
      );
      const all = await p.api(admin, 'GET', '/auth/pap/user/rita/allpermissions');
      assert.deepEqual(all.body.permissions.map((x: any) => x.name).sort(), ['no_device_list', 'ro_device']);
      assert.equal((await p.api(admin, 'DELETE', `/auth/pap/userpermissions/rita/${deny.body.id}`)).status, 200);
      assert.equal((await p.api(reader, 'GET', '/device')).status, 200);
    });

    it('loses every right once removed from its only group', async () => {
      assert.equal((await p.api(admin, 'DELETE', '/auth/pap/usergroup/rita/device_readers')).status, 200);
      assert.equal((await p.api(reader, 'GET', '/device')).status, 403);
      assert.equal((await p.api(admin, 'POST', '/auth/pap/usergroup/rita/device_readers')).status, 200);
      assert.equal((await p.api(reader, 'GET', '/device')).status, 200);
    });
  });

  it("answers dojot's shapes for reading, changing and removing permissions and groups", async () => {
    const created = await p.api(admin, 'POST', '/auth/pap/permission', {
      name: 'wo_cron',
      path: '/cron/(.*)',
      method: 'POST|PUT',
      permission: 'permit',
    });
    const id = created.body.id;
    const got = await p.api(admin, 'GET', `/auth/pap/permission/${id}`);
    assert.deepEqual(Object.keys(got.body), [
      'id',
      'name',
      'path',
      'method',
      'permission',
      'type',
      'created_date',
      'created_by',
    ]);
    assert.equal(got.body.created_by, 'admin');
    assert.deepEqual((await p.api(admin, 'PUT', `/auth/pap/permission/${id}`, { method: 'POST' })).body, ok);
    assert.equal((await p.api(admin, 'GET', '/auth/pap/permission/wo_cron')).body.method, 'POST');
    assert.deepEqual((await p.api(admin, 'DELETE', `/auth/pap/permission/${id}`)).body, ok);
    assert.equal((await p.api(admin, 'GET', `/auth/pap/permission/${id}`)).status, 404);
    const g = await p.api(admin, 'POST', '/auth/pap/group', { name: 'tmp' });
    assert.deepEqual(
      (await p.api(admin, 'PUT', `/auth/pap/group/${g.body.id}`, { description: 'temporary' })).body,
      ok,
    );
    assert.equal((await p.api(admin, 'GET', '/auth/pap/group/tmp')).body.description, 'temporary');
    assert.deepEqual((await p.api(admin, 'DELETE', '/auth/pap/group/tmp')).body, ok);
    assert.equal((await p.api(admin, 'GET', '/auth/pap/group/tmp')).status, 404);
  });

  it('refuses, naming why, what would break the model or lock the platform out', async () => {
    await p.api(admin, 'POST', '/auth/pap/group', { name: 'busy' });
    await p.api(admin, 'POST', '/auth/pap/usergroup/admin/busy');
    const cases: [string, string, unknown, number, RegExp][] = [
      [
        'POST',
        '/auth/pap/permission',
        { name: 'bad', path: '/device/(', method: 'GET', permission: 'permit' },
        400,
        /path: is not a regular expression/,
      ],
      [
        'POST',
        '/auth/pap/permission',
        { name: 'bad', path: '/x', method: 'GET', permission: 'maybe' },
        400,
        /permission: must be "permit" or "deny"/,
      ],
      [
        'POST',
        '/auth/pap/permission',
        { name: 'bad', path: `/${'a'.repeat(300)}`, method: 'GET', permission: 'permit' },
        400,
        /path: must be at most 200/,
      ],
      ['POST', '/auth/pap/permission', { name: 'bad', method: 'GET', permission: 'permit' }, 400, /path: is required/],
      ['POST', '/auth/pap/permission', ['not', 'an', 'object'], 400, /body: expected a JSON object/],
      [
        'POST',
        '/auth/pap/permission',
        { name: 'all_all', path: '/x', method: 'GET', permission: 'permit' },
        400,
        /Permission named all_all already exists/,
      ],
      ['DELETE', '/auth/pap/permission/all_all', undefined, 400, /system permission/],
      ['PUT', '/auth/pap/permission/all_device', { method: 'GET' }, 400, /system permission/],
      ['DELETE', '/auth/pap/grouppermissions/admin/all_all', undefined, 400, /system permission/],
      ['DELETE', '/auth/pap/usergroup/admin/admin', undefined, 400, /no operator/],
      ['DELETE', '/auth/pap/group/user', undefined, 400, /default groups/],
      ['PUT', '/auth/pap/group/admin', { name: 'root' }, 400, /default groups/],
      ['DELETE', '/auth/pap/group/busy', undefined, 400, /still has 1 user/],
      ['POST', '/auth/pap/usergroup/nobody/user', undefined, 404, /No user found/],
      ['POST', '/auth/pap/usergroup/admin/nogroup', undefined, 404, /No group found/],
      ['POST', '/auth/pap/grouppermissions/user/999', undefined, 404, /No permission found/],
      ['POST', '/auth/pap/usergroup/admin/admin', undefined, 409, /already there/],
      ['DELETE', '/auth/pap/userpermissions/admin/all_all', undefined, 404, /is not there/],
      [
        'POST',
        '/auth/user',
        { username: 'zed', service: 'admin', email: 'z@x.io', name: 'Z', profile: 'nogroup' },
        400,
        /profile: names no group/,
      ],
    ];
    for (const [method, url, body, status, error] of cases) {
      const res = await p.api(admin, method, url, body);
      assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, error, `${method} ${url}`);
    }
    assert.equal((await p.api(admin, 'GET', '/device')).status, 200, 'the operator still has every right');
  });

  it("answers dojot's PDP: POST /auth/pdp {jwt, action, resource} → {decision, status}, naming a missing field, refusing a forged token", async () => {
    const ask = (body: unknown) => p.api(null, 'POST', '/auth/pdp', body);
    await p.api(admin, 'POST', '/auth/user', {
      username: 'pia',
      service: 'admin',
      email: 'pia@x.io',
      name: 'Pia',
      profile: 'user',
      passwd: 'piapw',
    });
    const pia = await p.login('pia', 'piapw');
    assert.deepEqual((await ask({ jwt: pia, action: 'POST', resource: '/device/' })).body, {
      decision: 'permit',
      status: 'ok',
    });
    assert.deepEqual((await ask({ jwt: pia, action: 'GET', resource: '/auth/user/' })).body, {
      decision: 'deny',
      status: 'ok',
    });
    assert.deepEqual((await ask({ jwt: admin, action: 'DELETE', resource: '/template/3' })).body, {
      decision: 'permit',
      status: 'ok',
    });
    for (const [body, field] of [
      [{ action: 'GET', resource: '/' }, 'JWT'],
      [{ jwt: admin, resource: '/' }, 'action'],
      [{ jwt: admin, action: 'GET' }, 'resource'],
    ] as const) {
      const res = await ask(body);
      assert.equal(res.status, 400);
      assert.equal(res.body.message, `Missing ${field}`);
    }
    const [h, , sig] = admin.split('.');
    const claims = Buffer.from(
      JSON.stringify({
        service: 'admin',
        username: 'admin',
        profile: 'admin',
        userid: 1,
        exp: 9999999999,
        iss: 'dojot-red',
      }),
    ).toString('base64url');
    assert.equal((await ask({ jwt: `${h}.${claims}.${sig}`, action: 'GET', resource: '/' })).status, 401);
  });

  it("keeps the model to the platform operator: a tenant's administrator may not read or edit it", async () => {
    await p.api(admin, 'POST', '/auth/user', {
      username: 'tina',
      service: 'acme',
      email: 'tina@acme.io',
      name: 'Tina',
      profile: 'admin',
      passwd: 'tinapw',
    });
    const tina = await p.login('tina', 'tinapw');
    assert.equal((await p.api(tina, 'GET', '/device')).status, 200);
    for (const [method, url] of [
      ['GET', '/auth/pap/group'],
      ['POST', '/auth/pap/usergroup/tina/admin'],
      ['DELETE', '/auth/pap/group/device_readers'],
    ]) {
      const res = await p.api(tina, method, url);
      assert.equal(res.status, 403, `${method} ${url}`);
      assert.match(res.body.error, /only an administrator of tenant admin/);
    }
  });
});
