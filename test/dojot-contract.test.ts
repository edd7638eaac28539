// dojot 0.5.2's API contracts, checked the way its CI checked them (dredd): for every endpoint its
// services documented — auth (users, sessions, PAP), device-manager, history, flowbroker, kafka-ws —
// the status, the Content-Type and every documented key of the answer, over real HTTP against
// the started platform. Written from the documented facts; where dojot-red answers otherwise on
// purpose, the check says what it answers and docs/dojot-compatibility.md says why.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

/** What dojot documented for one answer. */
interface Contract {
  status: number;
  /** The documented Content-Type (compared without case, as HTTP says of charsets). */
  type?: string;
  /** Top-level keys of the answer (of its first element when it is an array). */
  keys?: string[];
  /** The answer is a JSON array. */
  array?: boolean;
}

const JSON_FLASK = 'application/json'; // auth, device-manager (Flask)
const JSON_EXPRESS = 'application/json; charset=utf-8'; // flowbroker, kafka-ws (Express)
const JSON_FALCON = 'application/json; charset=utf-8'; // history (Falcon; its charset in upper case)

interface Answer {
  status: number;
  type: string;
  body: any;
  text: string;
}

describe('dojot 0.5.2 API contracts (status, Content-Type, documented keys)', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let admin: string;
  const s: Record<string, any> = {};

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
  });
  after(async () => p?.close());

  async function call(
    method: string,
    url: string,
    opts: { body?: unknown; raw?: string; contentType?: string; token?: string | null; accept?: string } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    const token = opts.token === undefined ? admin : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.accept) headers.accept = opts.accept;
    let body: string | undefined;
    if (opts.raw !== undefined) {
      body = opts.raw;
      headers['content-type'] = opts.contentType ?? 'text/plain';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${p.httpUrl}${url}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed, text };
  }

  function meets(a: Answer, c: Contract, what: string): void {
    assert.equal(a.status, c.status, `${what}: status (${a.text.slice(0, 300)})`);
    if (c.type !== undefined) assert.equal(a.type.toLowerCase(), c.type.toLowerCase(), `${what}: Content-Type`);
    if (c.array) assert.ok(Array.isArray(a.body), `${what}: a JSON array`);
    if (c.keys) {
      const obj = Array.isArray(a.body) ? a.body[0] : a.body;
      assert.ok(obj && typeof obj === 'object', `${what}: a JSON object (${a.text.slice(0, 200)})`);
      for (const k of c.keys)
        assert.ok(k in obj, `${what}: documented key "${k}" is missing from ${JSON.stringify(obj).slice(0, 300)}`);
    }
  }

  const USER = ['id', 'name', 'username', 'service', 'email', 'profile', 'created_date', 'created_by'];
  const PERMISSION = ['id', 'path', 'method', 'permission'];
  const TEMPLATE = ['id', 'label', 'created', 'attrs', 'data_attrs', 'config_attrs'];
  const DEVICE = ['id', 'label', 'created', 'templates', 'attrs'];
  const PAGINATION = ['has_next', 'next_page', 'total', 'page'];
  const FLOW = ['name', 'enabled', 'id', 'flow', 'created', 'updated'];
  const STATUS_MESSAGE = ['status', 'message'];

  describe('auth: sessions and users (auth.apib)', () => {
    it('POST /auth answers 200 with the jwt', async () => {
      meets(
        await call('POST', '/auth', { body: { username: 'admin', passwd: 'admin' }, token: null }),
        { status: 200, type: JSON_FLASK, keys: ['jwt'] },
        'POST /auth',
      );
    });
    it("POST /auth/ (trailing slash, as dredd and dojot's clients send it) answers 200 with the jwt", async () => {
      meets(
        await call('POST', '/auth/', { body: { username: 'admin', passwd: 'admin' }, token: null }),
        { status: 200, type: JSON_FLASK, keys: ['jwt'] },
        'POST /auth/',
      );
    });
    it('POST /auth answers 400 with status and message for a body that is not JSON, or lacks username or passwd', async () => {
      const c = { status: 400, type: JSON_FLASK, keys: ['status', 'message'] };
      meets(await call('POST', '/auth', { raw: 'username=admin', token: null }), c, 'invalid mimetype');
      meets(await call('POST', '/auth', { body: { passwd: 'x' }, token: null }), c, 'missing username');
      meets(await call('POST', '/auth', { body: { username: 'admin' }, token: null }), c, 'missing passwd');
    });
    it('POST /auth answers 401 with status and message for an unknown user', async () => {
      meets(
        await call('POST', '/auth', { body: { username: 'nobody', passwd: 'x' }, token: null }),
        { status: 401, type: JSON_FLASK, keys: ['status', 'message'] },
        'unknown user',
      );
    });
    it('GET /auth/user answers 200 with the users, each with the documented keys', async () => {
      const a = await call('GET', '/auth/user');
      meets(a, { status: 200, type: JSON_FLASK, keys: ['users'] }, 'GET /auth/user');
      for (const k of USER) assert.ok(k in a.body.users[0], k);
    });
    it('GET /auth/user answers 401 with a message without a token', async () => {
      meets(
        await call('GET', '/auth/user', { token: null }),
        { status: 401, type: JSON_FLASK, keys: ['message'] },
        'no token',
      );
    });
    it("POST /auth/user answers 200 with dojot's array, whose first element has user, groups, could not add and message", async () => {
      const a = await call('POST', '/auth/user', {
        body: {
          username: 'contract',
          service: 'contract',
          email: 'contract@noemail.com',
          name: 'contract',
          profile: 'user',
        },
      });
      meets(
        a,
        { status: 200, type: JSON_FLASK, array: true, keys: ['user', 'groups', 'could not add', 'message'] },
        'POST /auth/user',
      );
      for (const k of USER) assert.ok(k in a.body[0].user, k);
      s.userId = a.body[0].user.id;
    });
    it('GET /auth/user/{id} answers 200 with the user, and 404 with message and status for an unknown id', async () => {
      const a = await call('GET', `/auth/user/${s.userId}`);
      meets(a, { status: 200, type: JSON_FLASK, keys: ['user'] }, 'GET /auth/user/{id}');
      for (const k of USER) assert.ok(k in a.body.user, k);
      meets(
        await call('GET', '/auth/user/999999'),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown user',
      );
    });
    it('PUT /auth/user/{id} answers 200 with message and status', async () => {
      meets(
        await call('PUT', `/auth/user/${s.userId}`, {
          body: { service: 'contract', email: 'contract_new@noemail.com', name: 'contract' },
        }),
        { status: 200, type: JSON_FLASK, keys: ['message', 'status'] },
        'PUT /auth/user/{id}',
      );
    });
    it('POST /auth/password/reset/{username} answers 501 with message and status, as dojot without a mail server did', async () => {
      meets(
        await call('POST', '/auth/password/reset/admin', { token: null }),
        { status: 501, type: JSON_FLASK, keys: ['message', 'status'] },
        'password reset',
      );
    });
    it('GET /auth/admin/tenants answers 200 with the tenants', async () => {
      meets(
        await call('GET', '/auth/admin/tenants'),
        { status: 200, type: JSON_FLASK, keys: ['tenants'] },
        'GET /auth/admin/tenants',
      );
    });
  });

  describe('auth: permissions, groups, relations and reports (PAP: crud-api, relation and report blueprints)', () => {
    it('POST /auth/pap/permission answers 200 with status and id', async () => {
      const a = await call('POST', '/auth/pap/permission', {
        body: {
          path: '/devices/info/\\*',
          method: 'POST|PUT|DELETE',
          permission: 'permit',
          name: 'device_write_operations',
        },
      });
      meets(a, { status: 200, type: JSON_FLASK, keys: ['status', 'id'] }, 'POST /auth/pap/permission');
      s.permId = a.body.id;
    });
    it('GET /auth/pap/permission answers 200 with the permissions, and 404 with status and message when no permission matches', async () => {
      const a = await call('GET', '/auth/pap/permission');
      meets(a, { status: 200, type: JSON_FLASK, keys: ['permissions'] }, 'GET /auth/pap/permission');
      for (const k of PERMISSION) assert.ok(k in a.body.permissions[0], k);
      meets(
        await call('GET', '/auth/pap/permission?path=/nothing/like/this'),
        { status: 404, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'no match',
      );
    });
    it('GET, PUT /auth/pap/permission/{id} answer 200 with the permission, then status and message', async () => {
      meets(
        await call('GET', `/auth/pap/permission/${s.permId}`),
        { status: 200, type: JSON_FLASK, keys: PERMISSION },
        'GET permission',
      );
      meets(
        await call('PUT', `/auth/pap/permission/${s.permId}`, {
          body: { path: '/devices/info/\\*', method: 'POST|PUT', permission: 'permit' },
        }),
        { status: 200, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'PUT permission',
      );
    });
    it('POST /auth/pap/group answers 200 with status and id, and 400 with status and message for a taken name', async () => {
      const a = await call('POST', '/auth/pap/group', { body: { name: 'group1', description: 'contract group' } });
      meets(a, { status: 200, type: JSON_FLASK, keys: ['status', 'id'] }, 'POST /auth/pap/group');
      s.groupId = a.body.id;
      meets(
        await call('POST', '/auth/pap/group', { body: { name: 'group1' } }),
        { status: 400, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'taken name',
      );
    });
    it('GET /auth/pap/group answers 200 with the groups, and 404 with status and message when none matches', async () => {
      const a = await call('GET', '/auth/pap/group');
      meets(a, { status: 200, type: JSON_FLASK, keys: ['groups'] }, 'GET /auth/pap/group');
      for (const k of ['id', 'name']) assert.ok(k in a.body.groups[0], k);
      meets(
        await call('GET', '/auth/pap/group?name=nosuchgroupname'),
        { status: 404, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'no match',
      );
    });
    it('GET, PUT /auth/pap/group/{id} answer 200 with the group, then status and message', async () => {
      meets(
        await call('GET', `/auth/pap/group/${s.groupId}`),
        { status: 200, type: JSON_FLASK, keys: ['id', 'name'] },
        'GET group',
      );
      meets(
        await call('PUT', `/auth/pap/group/${s.groupId}`, { body: { name: 'projectX' } }),
        { status: 200, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'PUT group',
      );
    });
    it('POST the user–group, user–permission and group–permission relations answers 200 with status and message, 404 naming an unknown end', async () => {
      const ok = { status: 200, type: JSON_FLASK, keys: STATUS_MESSAGE };
      const missing = { status: 404, type: JSON_FLASK, keys: STATUS_MESSAGE };
      meets(await call('POST', `/auth/pap/usergroup/${s.userId}/${s.groupId}`), ok, 'usergroup');
      meets(await call('POST', `/auth/pap/userpermissions/${s.userId}/${s.permId}`), ok, 'userpermissions');
      meets(await call('POST', `/auth/pap/grouppermissions/${s.groupId}/${s.permId}`), ok, 'grouppermissions');
      meets(await call('POST', `/auth/pap/usergroup/999999/${s.groupId}`), missing, 'unknown user');
      meets(await call('POST', `/auth/pap/usergroup/${s.userId}/999999`), missing, 'unknown group');
      meets(await call('POST', `/auth/pap/userpermissions/${s.userId}/999999`), missing, 'unknown permission');
      meets(await call('POST', `/auth/pap/grouppermissions/999999/${s.permId}`), missing, 'unknown group');
    });
    it('the reports answer 200 with permissions, groups or users', async () => {
      const direct = await call('GET', `/auth/pap/user/${s.userId}/directpermissions`);
      meets(direct, { status: 200, type: JSON_FLASK, keys: ['permissions'] }, 'directpermissions');
      assert.deepEqual(
        direct.body.permissions.map((x: any) => x.id),
        [s.permId],
      );
      const all = await call('GET', `/auth/pap/user/${s.userId}/allpermissions`);
      meets(all, { status: 200, type: JSON_FLASK, keys: ['permissions'] }, 'allpermissions');
      assert.ok(
        all.body.permissions.some((x: any) => x.name === 'all_device'),
        "the user group's permissions too",
      );
      meets(
        await call('GET', `/auth/pap/user/${s.userId}/groups`),
        { status: 200, type: JSON_FLASK, keys: ['groups'] },
        'user groups',
      );
      meets(
        await call('GET', `/auth/pap/group/${s.groupId}/permissions`),
        { status: 200, type: JSON_FLASK, keys: ['permissions'] },
        'group permissions',
      );
      const users = await call('GET', `/auth/pap/group/${s.groupId}/users`);
      meets(users, { status: 200, type: JSON_FLASK, keys: ['users'] }, 'group users');
      assert.deepEqual(
        users.body.users.map((u: any) => u.username),
        ['contract'],
      );
    });
    it('DELETE the relations, the permission and the group answers 200 with status and message', async () => {
      const ok = { status: 200, type: JSON_FLASK, keys: STATUS_MESSAGE };
      meets(await call('DELETE', `/auth/pap/usergroup/${s.userId}/${s.groupId}`), ok, 'usergroup');
      meets(await call('DELETE', `/auth/pap/userpermissions/${s.userId}/${s.permId}`), ok, 'userpermissions');
      meets(await call('DELETE', `/auth/pap/grouppermissions/${s.groupId}/${s.permId}`), ok, 'grouppermissions');
      meets(await call('DELETE', `/auth/pap/permission/${s.permId}`), ok, 'permission');
      meets(await call('DELETE', `/auth/pap/group/${s.groupId}`), ok, 'group');
      meets(
        await call('GET', `/auth/pap/group/${s.groupId}`),
        { status: 404, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'removed group (dojot: 400)',
      );
      meets(
        await call('GET', `/auth/pap/permission/${s.permId}`),
        { status: 404, type: JSON_FLASK, keys: STATUS_MESSAGE },
        'removed permission (dojot: 400)',
      );
    });
    it('DELETE /auth/user/{id} answers 200 with message and status', async () => {
      meets(
        await call('DELETE', `/auth/user/${s.userId}`),
        { status: 200, type: JSON_FLASK, keys: ['message', 'status'] },
        'DELETE /auth/user/{id}',
      );
    });
  });

  describe('device-manager (apiary.apib)', () => {
    it('POST /template answers 200 with result and template, and 400 with message and errors for a missing label', async () => {
      const a = await call('POST', '/template', {
        body: {
          label: 'SensorModel',
          attrs: [
            { label: 'temperature', type: 'dynamic', value_type: 'float' },
            { label: 'model-id', type: 'static', value_type: 'string', static_value: 'model-001' },
            { label: 'led', type: 'actuator', value_type: 'bool' },
            { label: 'shared_key', type: 'static', value_type: 'psk' },
          ],
        },
      });
      meets(a, { status: 200, type: JSON_FLASK, keys: ['result', 'template'] }, 'POST /template');
      for (const k of TEMPLATE) assert.ok(k in a.body.template, k);
      s.templateId = a.body.template.id;
      meets(
        await call('POST', '/template', { body: { attrs: [] } }),
        { status: 400, type: JSON_FLASK, keys: ['message', 'errors'] },
        'missing label',
      );
    });
    it('GET /template answers 200 with templates and pagination, and 400 with message and status for bad paging', async () => {
      const a = await call('GET', '/template?page_size=20&page_num=1&attr_format=both');
      meets(a, { status: 200, type: JSON_FLASK, keys: ['templates', 'pagination'] }, 'GET /template');
      for (const k of PAGINATION) assert.ok(k in a.body.pagination, k);
      const bad = { status: 400, type: JSON_FLASK, keys: ['message', 'status'] };
      meets(await call('GET', '/template?page_num=0'), bad, 'page_num 0');
      meets(await call('GET', '/template?page_size=0'), bad, 'page_size 0');
      meets(await call('GET', '/template?page_size=x'), bad, 'page_size x');
    });
    it('GET /template/{id} answers 200 with the template, and 404 with message and status for an unknown id', async () => {
      meets(
        await call('GET', `/template/${s.templateId}?attr_format=both`),
        { status: 200, type: JSON_FLASK, keys: TEMPLATE },
        'GET /template/{id}',
      );
      meets(
        await call('GET', '/template/123456'),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown template',
      );
    });
    it('PUT /template/{id} answers 200 with result and updated, and 404 for an unknown id', async () => {
      const body = {
        label: 'SensorModel',
        attrs: [
          { label: 'temperature', type: 'dynamic', value_type: 'float' },
          { label: 'model-id', type: 'static', value_type: 'string', static_value: 'model-001' },
          { label: 'led', type: 'actuator', value_type: 'bool' },
          { label: 'shared_key', type: 'static', value_type: 'psk' },
          { label: 'fan', type: 'dynamic', value_type: 'bool' },
        ],
      };
      meets(
        await call('PUT', `/template/${s.templateId}`, { body }),
        { status: 200, type: JSON_FLASK, keys: ['result', 'updated'] },
        'PUT /template/{id}',
      );
      meets(
        await call('PUT', '/template/123456', { body }),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown template',
      );
    });
    it("POST /device answers 200 with devices and message, and dojot's 400 and 404 bodies for bad requests", async () => {
      const a = await call('POST', '/device?count=3', { body: { label: 'test_device', templates: [s.templateId] } });
      meets(a, { status: 200, type: JSON_FLASK, keys: ['devices', 'message'] }, 'POST /device');
      assert.deepEqual(Object.keys(a.body.devices[0]), ['id', 'label']);
      [s.deviceId, s.otherId, s.thirdId] = a.body.devices.map((d: any) => d.id);
      const plain = { status: 400, type: JSON_FLASK, keys: ['message', 'status'] };
      meets(
        await call('POST', '/device?count=x', { body: { label: 'x', templates: [] } }),
        plain,
        'count not an integer',
      );
      meets(
        await call('POST', '/device?count=2&verbose=true', { body: { label: 'x', templates: [] } }),
        plain,
        'verbose with count',
      );
      meets(await call('POST', '/device', { raw: 'label=x' }), plain, 'not JSON');
      meets(
        await call('POST', '/device', { body: { templates: [] } }),
        { status: 400, type: JSON_FLASK, keys: ['errors', 'message'] },
        'missing label',
      );
      meets(
        await call('POST', '/device', { body: { label: 'x', templates: [999999] } }),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown template',
      );
    });
    it('GET /device/{id} answers 200 with the device, and 404 with message and status for an unknown id', async () => {
      meets(
        await call('GET', `/device/${s.deviceId}`),
        { status: 200, type: JSON_FLASK, keys: DEVICE },
        'GET /device/{id}',
      );
      meets(
        await call('GET', '/device/aaaa'),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown device',
      );
    });
    it('GET /device answers 200 with devices and pagination, a bare array with idsOnly, and 400 for bad paging', async () => {
      const a = await call('GET', '/device?page_size=20&page_num=1');
      meets(a, { status: 200, type: JSON_FLASK, keys: ['devices', 'pagination'] }, 'GET /device');
      for (const k of DEVICE) assert.ok(k in a.body.devices[0], k);
      const ids = await call('GET', '/device?idsOnly=true');
      meets(ids, { status: 200, type: JSON_FLASK, array: true }, 'idsOnly');
      assert.equal(typeof ids.body[0], 'string');
      meets(
        await call('GET', '/device?page_num=0'),
        { status: 400, type: JSON_FLASK, keys: ['message', 'status'] },
        'page_num 0',
      );
    });
    it('GET /device/template/{template_id} answers 200 with devices and pagination', async () => {
      meets(
        await call('GET', `/device/template/${s.templateId}?page_size=20&page_num=1`),
        { status: 200, type: JSON_FLASK, keys: ['devices', 'pagination'] },
        'GET /device/template/{id}',
      );
    });
    it('PUT /device/{id} answers 200 with device and message, and 404 for an unknown device or template', async () => {
      meets(
        await call('PUT', `/device/${s.deviceId}`, { body: { label: 'updated_device', templates: [s.templateId] } }),
        { status: 200, type: JSON_FLASK, keys: ['device', 'message'] },
        'PUT /device/{id}',
      );
      meets(
        await call('PUT', '/device/aaaa', { body: { label: 'x', templates: [] } }),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown device',
      );
      meets(
        await call('PUT', `/device/${s.deviceId}`, { body: { label: 'x', templates: [999999] } }),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown template',
      );
    });
    it('PUT /device/{id}/actuate answers 200 with " status", 403 with attrs and status for a non-actuator, 404 for an unknown device', async () => {
      meets(
        await call('PUT', `/device/${s.deviceId}/actuate`, { body: { attrs: { led: true } } }),
        { status: 200, type: JSON_FLASK, keys: [' status'] },
        'actuate',
      );
      meets(
        await call('PUT', `/device/${s.deviceId}/actuate`, { body: { attrs: { temperature: 10.6 } } }),
        { status: 403, type: JSON_FLASK, keys: ['attrs', 'status'] },
        'not configurable',
      );
      meets(
        await call('PUT', '/device/aaaa/actuate', { body: { attrs: { led: true } } }),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown device',
      );
    });
    it('POST /device/gen_psk/{id} answers 200 with attribute and psk, and 400 or 404 with message and status', async () => {
      const a = await call('POST', `/device/gen_psk/${s.deviceId}?key_length=8&attrs=shared_key`);
      meets(a, { status: 200, type: JSON_FLASK, array: true, keys: ['attribute', 'psk'] }, 'gen_psk');
      assert.match(a.body[0].psk, /^[0-9a-f]{16}$/);
      const bad = { status: 400, type: JSON_FLASK, keys: ['message', 'status'] };
      meets(await call('POST', `/device/gen_psk/${s.deviceId}`), bad, 'missing key_length');
      meets(await call('POST', `/device/gen_psk/${s.deviceId}?key_length=2000`), bad, 'key_length too large');
      meets(
        await call('POST', `/device/gen_psk/${s.deviceId}?key_length=8&attrs=temperature`),
        bad,
        'not a psk attribute',
      );
      meets(
        await call('POST', '/device/gen_psk/aaaa?key_length=8'),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown device',
      );
    });
    it('PUT /device/{id}/attrs/{attr_label}/psk answers 204, and 400 or 404 with message and status', async () => {
      const a = await call(
        'PUT',
        `/device/${s.otherId}/attrs/shared_key/psk?from_dev_id=${s.deviceId}&from_attr_label=shared_key`,
      );
      assert.equal(a.status, 204);
      assert.equal(a.text, '');
      meets(
        await call('PUT', `/device/${s.otherId}/attrs/shared_key/psk`),
        { status: 400, type: JSON_FLASK, keys: ['message', 'status'] },
        'missing parameters',
      );
      meets(
        await call(
          'PUT',
          `/device/${s.otherId}/attrs/temperature/psk?from_dev_id=${s.deviceId}&from_attr_label=shared_key`,
        ),
        { status: 400, type: JSON_FLASK, keys: ['message', 'status'] },
        'not a psk attribute',
      );
      meets(
        await call(
          'PUT',
          `/device/${s.otherId}/attrs/shared_key/psk?from_dev_id=${s.thirdId}&from_attr_label=shared_key`,
        ),
        { status: 400, type: JSON_FLASK, keys: ['message', 'status'] },
        'no key yet',
      );
      meets(
        await call('PUT', `/device/${s.otherId}/attrs/shared_key/psk?from_dev_id=aaaa&from_attr_label=shared_key`),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown device',
      );
    });
  });

  describe('history (history blueprint)', () => {
    it('GET /history/device/{id}/history answers 200 with entries for one attr, an object for several, 404 with title and description for none', async () => {
      const ts = Date.parse('2021-02-01T12:00:37.452Z');
      await p.bus.publish('admin.device-data', s.deviceId, {
        metadata: { deviceid: s.deviceId, tenant: 'admin', timestamp: ts },
        attrs: { temperature: 10.6 },
      });
      const url = `/history/device/${s.deviceId}/history?lastN=1&attr=temperature`;
      let a = await call('GET', url);
      for (let i = 0; i < 200 && a.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 25));
        a = await call('GET', url);
      }
      meets(
        a,
        { status: 200, type: JSON_FALCON, array: true, keys: ['device_id', 'ts', 'value', 'attr', 'metadata'] },
        'one attr',
      );
      assert.equal(a.body[0].ts, '2021-02-01T12:00:37.452000Z', 'microseconds, as dojot wrote them');
      const several = await call('GET', `/history/device/${s.deviceId}/history?lastN=1&attr=temperature&attr=fan`);
      meets(several, { status: 200, type: JSON_FALCON, keys: ['temperature', 'fan'] }, 'several attrs');
      meets(
        await call('GET', `/history/device/${s.deviceId}/history?lastN=1&attr=fan`),
        { status: 404, type: JSON_FALCON, keys: ['title', 'description'] },
        'no data',
      );
    });
    it('GET /history/notifications/history answers 200 with notifications whose ts is an ISO string', async () => {
      await p.bus.publish('admin.dojot.notifications', null, {
        msgID: 'c0ffee00-0000-4000-8000-000000000001',
        timestamp: Date.parse('2021-02-01T12:00:00Z'),
        message: 'hello',
        metaAttrsFilter: { shouldPersist: true, level: 'info' },
        subject: 'user_notification',
      });
      let a = await call('GET', '/history/notifications/history');
      for (let i = 0; i < 200 && !(a.body?.notifications?.length > 0); i++) {
        await new Promise((r) => setTimeout(r, 25));
        a = await call('GET', '/history/notifications/history');
      }
      meets(a, { status: 200, type: JSON_FALCON, keys: ['notifications'] }, 'notifications');
      for (const k of ['msgID', 'metaAttrsFilter', 'message', 'subject', 'ts'])
        assert.ok(k in a.body.notifications[0], k);
      assert.equal(a.body.notifications[0].ts, '2021-02-01T12:00:00.000000Z');
    });
  });

  describe('flowbroker (api.apib)', () => {
    it('GET /flows/v1/flow answers 200 with the flows', async () => {
      meets(
        await call('GET', '/flows/v1/flow'),
        { status: 200, type: JSON_EXPRESS, keys: ['flows'] },
        'GET /flows/v1/flow',
      );
    });
    it('POST /flows/v1/flow answers 200 with message and flow, and 400 with message without a name', async () => {
      const a = await call('POST', '/flows/v1/flow', { body: { flow: [], enabled: true, name: 'secondflow' } });
      meets(a, { status: 200, type: JSON_EXPRESS, keys: ['message', 'flow'] }, 'POST /flows/v1/flow');
      for (const k of FLOW) assert.ok(k in a.body.flow, k);
      s.flowId = a.body.flow.id;
      meets(
        await call('POST', '/flows/v1/flow', { body: { flow: [] } }),
        { status: 400, type: JSON_EXPRESS, keys: ['message'] },
        'missing name',
      );
    });
    it('GET and PUT /flows/v1/flow/{id} answer 200 with message and flow, 404 with message and flow for an unknown id', async () => {
      meets(
        await call('GET', `/flows/v1/flow/${s.flowId}`),
        { status: 200, type: JSON_EXPRESS, keys: ['message', 'flow'] },
        'GET flow',
      );
      meets(
        await call('PUT', `/flows/v1/flow/${s.flowId}`, { body: { name: 'newflowname', enabled: true, flow: [] } }),
        { status: 200, type: JSON_EXPRESS, keys: ['message', 'flow'] },
        'PUT flow',
      );
      meets(
        await call('GET', '/flows/v1/flow/777777'),
        { status: 404, type: JSON_EXPRESS, keys: ['message', 'flow'] },
        'unknown flow',
      );
      meets(
        await call('PUT', '/flows/v1/flow/777777', { body: { name: 'x' } }),
        { status: 404, type: JSON_EXPRESS, keys: ['message', 'flow'] },
        'unknown flow',
      );
    });
    it('DELETE /flows/v1/flow/{id} answers 200 with message and flow, and DELETE /flows/v1/flow with message', async () => {
      meets(
        await call('DELETE', `/flows/v1/flow/${s.flowId}`),
        { status: 200, type: JSON_EXPRESS, keys: ['message', 'flow'] },
        'DELETE flow',
      );
      meets(
        await call('DELETE', '/flows/v1/flow/777777'),
        { status: 404, type: JSON_EXPRESS, keys: ['message', 'flow'] },
        'unknown flow',
      );
      meets(
        await call('DELETE', '/flows/v1/flow'),
        { status: 200, type: JSON_EXPRESS, keys: ['message'] },
        'DELETE all',
      );
    });
    it('GET /flows/v1/node answers 200 with the nodes (none), and DELETE /flows/v1/node 200 with message', async () => {
      const a = await call('GET', '/flows/v1/node');
      meets(a, { status: 200, type: JSON_EXPRESS, keys: ['nodes'] }, 'GET nodes');
      assert.deepEqual(a.body.nodes, []);
      meets(
        await call('DELETE', '/flows/v1/node'),
        { status: 200, type: JSON_EXPRESS, keys: ['message'] },
        'DELETE nodes',
      );
    });
    it("POST /flows/v1/node answers 501 with flowbroker's message and an error naming why (no container engine; dojot: 200)", async () => {
      const a = await call('POST', '/flows/v1/node', {
        body: { image: 'dojot/kelvin-example:3.0.0-alpha2', id: 'kelvin' },
      });
      meets(a, { status: 501, type: JSON_EXPRESS, keys: ['message', 'error'] }, 'POST node');
      assert.match(a.body.error, /container engine/);
      meets(
        await call('DELETE', '/flows/v1/node/kelvin'),
        { status: 404, type: JSON_EXPRESS, keys: ['message', 'error'] },
        'DELETE node (dojot: 200 or 500)',
      );
    });
    it('GET /flows/nodes with Accept: application/json answers 200 with the node types', async () => {
      const a = await call('GET', '/flows/nodes', { accept: 'application/json' });
      meets(
        a,
        { status: 200, type: JSON_EXPRESS, array: true, keys: ['id', 'name', 'module', 'version', 'enabled', 'types'] },
        'GET /flows/nodes',
      );
    });

    it('matching paths with or without a trailing slash leaves the editor reachable: /flows redirects to /flows/, which does not redirect to itself', async () => {
      const bare = await fetch(`${p.httpUrl}/flows`, { redirect: 'manual' });
      assert.equal(bare.status, 302);
      assert.equal(bare.headers.get('location'), '/flows/');
      const editor = await fetch(`${p.httpUrl}/flows/`, { redirect: 'manual' });
      assert.notEqual(editor.headers.get('location'), '/flows/', 'a redirect loop');
    });
    it("GET /flows/locales/node-red answers 200 with Node-RED's message catalog", async () => {
      const a = await call('GET', '/flows/locales/node-red', { accept: 'application/json' });
      meets(a, { status: 200, type: JSON_EXPRESS, keys: ['common'] }, 'GET /flows/locales/node-red');
    });
  });

  describe('kafka-ws (README)', () => {
    it('GET /kafka-ws/v1/ticket answers 200 with the ticket, and 401 with a message without a token', async () => {
      const a = await call('GET', '/kafka-ws/v1/ticket');
      meets(a, { status: 200, type: JSON_EXPRESS, keys: ['ticket'] }, 'ticket');
      assert.match(a.body.ticket, /^[0-9a-f]{64}$/);
      meets(await call('GET', '/kafka-ws/v1/ticket', { token: null }), { status: 401, keys: ['message'] }, 'no token');
    });
    it('a plain GET on a websocket path answers 426 in text/plain', async () => {
      const a = await call('GET', '/kafka-ws/v1/topics/admin.device-data', { token: null });
      assert.equal(a.status, 426);
      assert.match(a.type, /^text\/plain/);
    });
  });

  describe('clean-up (device-manager deletes)', () => {
    it('DELETE /device/{id} answers 200 with removed_device and result, 404 for an unknown device', async () => {
      meets(
        await call('DELETE', `/device/${s.thirdId}`),
        { status: 200, type: JSON_FLASK, keys: ['removed_device', 'result'] },
        'DELETE /device/{id}',
      );
      meets(
        await call('DELETE', '/device/aaaa'),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown device',
      );
    });
    it("DELETE /template/{id} of a template in use answers 400 with message and status (dojot's code; its blueprint said 404)", async () => {
      meets(
        await call('DELETE', `/template/${s.templateId}`),
        { status: 400, type: JSON_FLASK, keys: ['message', 'status'] },
        'template in use',
      );
    });
    it('DELETE /device answers 200 with removed_devices and result', async () => {
      meets(
        await call('DELETE', '/device'),
        { status: 200, type: JSON_FLASK, keys: ['removed_devices', 'result'] },
        'DELETE /device',
      );
    });
    it('DELETE /template/{id} and DELETE /template answer 200 with removed and result, 404 for an unknown template', async () => {
      meets(
        await call('DELETE', `/template/${s.templateId}`),
        { status: 200, type: JSON_FLASK, keys: ['removed', 'result'] },
        'DELETE /template/{id}',
      );
      meets(
        await call('DELETE', `/template/${s.templateId}`),
        { status: 404, type: JSON_FLASK, keys: ['message', 'status'] },
        'unknown template',
      );
      meets(
        await call('DELETE', '/template'),
        { status: 200, type: JSON_FLASK, keys: ['removed', 'result'] },
        'DELETE /template',
      );
    });
  });
});
