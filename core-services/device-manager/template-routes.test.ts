import assert from 'node:assert/strict';
import { freshTenant, startHarness, templateBody, type Harness } from './test-harness.js';

const DOJOT_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe('device-manager templates', () => {
  let h: Harness;
  let tenant: string;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  beforeEach(() => {
    tenant = freshTenant();
  });

  it("creates a template and answers with dojot's template shape", async () => {
    const res = await h.call(
      tenant,
      'POST',
      '/template',
      templateBody('thermo', 'temp:dynamic:float', 'unit:static:string:C', 'fw:meta:string'),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.result, 'ok');
    const t = res.body.template;
    assert.ok(Number.isInteger(t.id));
    assert.equal(t.label, 'thermo');
    assert.match(t.created, DOJOT_TIME);
    assert.equal('updated' in t, false);
    assert.deepEqual(
      t.attrs.map((a: { label: string }) => a.label),
      ['temp', 'unit', 'fw'],
    );
    assert.deepEqual(
      t.data_attrs.map((a: { label: string }) => a.label),
      ['temp', 'unit'],
    );
    assert.deepEqual(
      t.config_attrs.map((a: { label: string }) => a.label),
      ['fw'],
    );
    const [temp, unit] = t.attrs;
    assert.equal(temp.template_id, String(t.id));
    assert.equal(typeof temp.id, 'number');
    assert.equal('static_value' in temp, false, 'null values are dropped');
    assert.equal('is_static_overridden' in unit, false, 'only device views say whether a value is overridden');
    assert.equal(unit.static_value, 'C');
    assert.match(unit.created, DOJOT_TIME);
  });

  it('keeps metadata under its attribute and drops empty metadata lists', async () => {
    const body = {
      label: 'meta',
      attrs: [
        {
          label: 'temp',
          type: 'dynamic',
          value_type: 'float',
          metadata: [{ label: 'unit', type: 'meta', value_type: 'string', static_value: 'C' }],
        },
        { label: 'hum', type: 'dynamic', value_type: 'float', metadata: [] },
      ],
    };
    const { body: out } = await h.call(tenant, 'POST', '/template', body);
    const [temp, hum] = out.template.attrs;
    assert.equal(temp.metadata.length, 1);
    assert.equal(temp.metadata[0].label, 'unit');
    assert.equal(temp.metadata[0].static_value, 'C');
    assert.equal('template_id' in temp.metadata[0], false);
    assert.equal('metadata' in hum, false);
  });

  it('stores numbers, booleans and objects given as static values as text', async () => {
    const body = {
      label: 'values',
      attrs: [
        { label: 'n', type: 'static', value_type: 'integer', static_value: 10 },
        { label: 'b', type: 'static', value_type: 'bool', static_value: true },
        { label: 'o', type: 'static', value_type: 'object', static_value: { a: 1 } },
      ],
    };
    const { body: out } = await h.call(tenant, 'POST', '/template', body);
    assert.deepEqual(
      out.template.attrs.map((a: { static_value: string }) => a.static_value),
      ['10', 'true', '{"a":1}'],
    );
  });

  const bad: [string, unknown, RegExp][] = [
    ['no label', { attrs: [] }, /^label: is required/],
    ['a label that is not a string', { label: 5, attrs: [] }, /^label: expected a string, got number/],
    ['attrs that are not an array', { label: 'x', attrs: {} }, /^attrs: expected an array/],
    [
      'an attr label with a space',
      templateBody('x', 'bad label:dynamic:float'),
      /^attrs\[0\]\.label: "bad label" must contain only letters/,
    ],
    [
      'an attr label over 128 characters',
      templateBody('x', `${'a'.repeat(129)}:dynamic:float`),
      /^attrs\[0\]\.label: must be at most 128/,
    ],
    [
      'a type over 32 characters',
      templateBody('x', `a:${'t'.repeat(33)}:float`),
      /^attrs\[0\]\.type: must be at most 32/,
    ],
    [
      'a missing value_type',
      { label: 'x', attrs: [{ label: 'a', type: 'dynamic' }] },
      /^attrs\[0\]\.value_type: is required/,
    ],
    [
      'a value_type over 32 characters',
      templateBody('x', `a:dynamic:${'v'.repeat(33)}`),
      /^attrs\[0\]\.value_type: must be at most 32/,
    ],
    [
      'a static value over 128 characters',
      templateBody('x', `a:static:string:${'s'.repeat(129)}`),
      /^attrs\[0\]\.static_value: must be at most 128/,
    ],
    ['a JSON array body', [], /^Payload must be valid JSON.*got array/],
  ];
  for (const [what, body, message] of bad) {
    it(`rejects a template with ${what} with 400 naming the field`, async () => {
      const res = await h.call(tenant, 'POST', '/template', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error, message);
      assert.match(res.body.code, /^DM_/);
      assert.ok(res.body.message, "dojot's message key is kept");
    });
  }

  it("answers dojot's parse-error shape for a bad attribute", async () => {
    const res = await h.call(tenant, 'POST', '/template', templateBody('x', 'bad label:dynamic:float'));
    assert.equal(res.body.message, 'failed to parse attr');
    assert.ok(Array.isArray(res.body.errors.label));
    const top = await h.call(tenant, 'POST', '/template', { attrs: [] });
    assert.equal(top.body.message, 'failed to parse input');
    assert.deepEqual(Object.keys(top.body.errors), ['label']);
  });

  it("rejects the same label and type twice in one template with dojot's message", async () => {
    const res = await h.call(tenant, 'POST', '/template', templateBody('x', 'a:dynamic:float', 'a:dynamic:integer'));
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 'DM_DUPLICATE_ATTR');
    assert.equal(res.body.message, 'Template attribute constraints are violated by the request');
    const ok = await h.call(tenant, 'POST', '/template', templateBody('y', 'a:dynamic:float', 'a:static:float'));
    assert.equal(ok.status, 200, 'the same label with another type is allowed');
  });

  it('rejects repeated metadata labels under one attribute', async () => {
    const meta = { label: 'u', type: 'meta', value_type: 'string' };
    const res = await h.call(tenant, 'POST', '/template', {
      label: 'x',
      attrs: [{ label: 'a', type: 'dynamic', value_type: 'float', metadata: [meta, meta] }],
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error, /^attrs\[0\]\.metadata: metadata label "u" appears more than once/);
  });

  it("rejects malformed JSON and non-JSON bodies with 400 and dojot's message", async () => {
    const broken = await h.call(tenant, 'POST', '/template', '{"label":');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.code, 'HTTP_BAD_JSON');
    assert.equal(broken.body.message, 'Payload must be valid JSON, and Content-Type set accordingly');
    const text = await h.app.inject({
      method: 'POST',
      url: '/template',
      headers: { 'x-test-tenant': tenant, 'content-type': 'text/plain' },
      payload: 'hi',
    });
    assert.equal(text.statusCode, 400);
    assert.equal(text.json().code, 'DM_BAD_PAYLOAD');
    assert.match(text.json().error, /Content-Type must be application\/json, got text\/plain/);
    const none = await h.call(tenant, 'POST', '/template');
    assert.equal(none.status, 400);
    assert.match(none.body.error, /the request has no body/);
  });

  it('refuses a request that carries no identity with 401', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/template' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().message, 'No authorization token has been supplied');
  });

  it('pages template lists with total counting pages', async () => {
    for (let i = 0; i < 25; i++) await h.call(tenant, 'POST', '/template', templateBody(`t${i}`));
    const p1 = await h.call(tenant, 'GET', '/template');
    assert.equal(p1.body.templates.length, 20);
    assert.deepEqual(p1.body.pagination, { page: 1, total: 2, has_next: true, next_page: 2 });
    const p2 = await h.call(tenant, 'GET', '/template?page_num=2');
    assert.equal(p2.body.templates.length, 5);
    assert.deepEqual(p2.body.pagination, { page: 2, total: 2, has_next: false, next_page: null });
    const p3 = await h.call(tenant, 'GET', '/template?page_size=10&page_num=3');
    assert.deepEqual(p3.body.pagination, { page: 3, total: 3, has_next: false, next_page: null });
    const beyond = await h.call(tenant, 'GET', '/template?page_num=9');
    assert.deepEqual(beyond.body.templates, []);
    const empty = await h.call(freshTenant(), 'GET', '/template');
    assert.deepEqual(empty.body, {
      templates: [],
      pagination: { page: 1, total: 0, has_next: false, next_page: null },
    });
  });

  const pagingErrors: [string, string][] = [
    ['page_num=0', 'Page numbers must be greater than 1'],
    ['page_size=0', 'At least one entry per page is mandatory'],
    ['page_size=abc', 'page_size and page_num must be integers'],
    ['page_num=1.5', 'page_size and page_num must be integers'],
  ];
  for (const [query, message] of pagingErrors) {
    it(`rejects ${query} with dojot's pagination message`, async () => {
      for (const path of ['/template', '/device', '/device/template/1']) {
        const res = await h.call(tenant, 'GET', `${path}?${query}`);
        assert.equal(res.status, 400, path);
        assert.equal(res.body.message, message);
        assert.equal(res.body.status, 400);
        assert.equal(res.body.code, 'DM_BAD_PAGINATION');
      }
    });
  }

  it('filters templates by label substring, attribute value and value type, and sorts by label', async () => {
    await h.call(
      tenant,
      'POST',
      '/template',
      templateBody('zeta-sensor', 'model:static:string:X1', 'temp:dynamic:float'),
    );
    await h.call(
      tenant,
      'POST',
      '/template',
      templateBody('alpha-sensor', 'model:static:string:X2', 'on:actuator:bool'),
    );
    await h.call(tenant, 'POST', '/template', {
      label: 'gateway',
      attrs: [{ label: 'gps', type: 'dynamic', value_type: 'geo:point' }],
    });
    const labels = async (q: string) =>
      (await h.call(tenant, 'GET', `/template?${q}`)).body.templates.map((t: { label: string }) => t.label);
    assert.deepEqual(await labels('label=sensor'), ['zeta-sensor', 'alpha-sensor']);
    assert.deepEqual(await labels('label=sensor&sortBy=label'), ['alpha-sensor', 'zeta-sensor']);
    assert.deepEqual(await labels('attr=model=X2'), ['alpha-sensor']);
    assert.deepEqual(await labels('attr_type=bool'), ['alpha-sensor']);
    assert.deepEqual(await labels('attr_type=float&attr_type=bool'), [], 'repeated filters must all hold');
    assert.deepEqual(await labels('attr_type=geo:point'), ['gateway']);
    const bad = await h.call(tenant, 'GET', '/template?attr=model');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^attr: expected label=value/);
  });

  it('shapes attrs as asked by attr_format on lists and single templates', async () => {
    const { body } = await h.call(tenant, 'POST', '/template', templateBody('f', 'a:dynamic:float', 'm:meta:string'));
    const id = body.template.id;
    const keys = (t: object) =>
      Object.keys(t)
        .filter((k) => k.endsWith('attrs'))
        .sort();
    assert.deepEqual(keys((await h.call(tenant, 'GET', `/template/${id}`)).body), [
      'attrs',
      'config_attrs',
      'data_attrs',
    ]);
    assert.deepEqual(keys((await h.call(tenant, 'GET', `/template/${id}?attr_format=single`)).body), ['attrs']);
    assert.deepEqual(keys((await h.call(tenant, 'GET', `/template/${id}?attr_format=split`)).body), [
      'config_attrs',
      'data_attrs',
    ]);
    assert.deepEqual(keys((await h.call(tenant, 'GET', '/template?attr_format=split')).body.templates[0]), [
      'config_attrs',
      'data_attrs',
    ]);
  });

  it("answers 404 with dojot's message for an unknown template id", async () => {
    for (const id of ['999', 'abc', '99999999999']) {
      const res = await h.call(tenant, 'GET', `/template/${id}`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, {
        error: `No such template: ${id}`,
        code: 'DM_NO_SUCH_TEMPLATE',
        message: `No such template: ${id}`,
        status: 404,
      });
    }
    assert.equal((await h.call(tenant, 'PUT', '/template/999', templateBody('x'))).status, 404);
    assert.equal((await h.call(tenant, 'DELETE', '/template/999')).status, 404);
  });

  it('updates a template keeping the ids of attributes that keep label and type', async () => {
    const meta = (label: string, v: string) => ({ label, type: 'meta', value_type: 'string', static_value: v });
    const created = await h.call(tenant, 'POST', '/template', {
      label: 'v1',
      attrs: [
        { label: 'temp', type: 'dynamic', value_type: 'float', metadata: [meta('unit', 'C'), meta('old', 'x')] },
        { label: 'gone', type: 'dynamic', value_type: 'float' },
        { label: 'model', type: 'static', value_type: 'string', static_value: 'A' },
      ],
    });
    const before = created.body.template;
    const res = await h.call(tenant, 'PUT', `/template/${before.id}`, {
      label: 'v2',
      attrs: [
        { label: 'temp', type: 'dynamic', value_type: 'integer', metadata: [meta('unit', 'F'), meta('new', 'y')] },
        { label: 'model', type: 'static', value_type: 'string', static_value: 'A' },
        { label: 'model', type: 'dynamic', value_type: 'string' },
      ],
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.result, 'ok');
    const after = res.body.updated;
    assert.equal(after.label, 'v2');
    assert.match(after.updated, DOJOT_TIME);
    const byKey = (t: { attrs: { label: string; type: string; id: number }[] }) =>
      new Map(t.attrs.map((a) => [`${a.label}/${a.type}`, a]));
    const [b, a] = [byKey(before), byKey(after)];
    assert.equal(a.get('temp/dynamic')!.id, b.get('temp/dynamic')!.id);
    assert.equal((a.get('temp/dynamic') as unknown as { value_type: string }).value_type, 'integer');
    assert.ok('updated' in a.get('temp/dynamic')!, 'a changed attribute is stamped');
    assert.equal('updated' in a.get('model/static')!, false, 'an unchanged attribute is not');
    assert.equal(a.get('model/static')!.id, b.get('model/static')!.id);
    assert.equal(a.has('gone/dynamic'), false);
    assert.ok(a.get('model/dynamic')!.id > b.get('model/static')!.id);
    const metaOf = (t: Map<string, unknown>) =>
      (t.get('temp/dynamic') as { metadata: { label: string; id: number; static_value: string }[] }).metadata;
    assert.deepEqual(
      metaOf(a).map((m) => [m.label, m.static_value]),
      [
        ['unit', 'F'],
        ['new', 'y'],
      ],
    );
    assert.equal(metaOf(a)[0].id, metaOf(b)[0].id);
    assert.deepEqual((await h.call(tenant, 'GET', `/template/${before.id}`)).body, after);
  });

  it('deletes one template and answers with it', async () => {
    const { body } = await h.call(tenant, 'POST', '/template', templateBody('x', 'a:dynamic:float'));
    const res = await h.call(tenant, 'DELETE', `/template/${body.template.id}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { result: 'ok', removed: body.template });
    assert.equal((await h.call(tenant, 'GET', `/template/${body.template.id}`)).status, 404);
  });

  it("refuses to delete a template in use with dojot's observed 400", async () => {
    const { body } = await h.call(tenant, 'POST', '/template', templateBody('x', 'a:dynamic:float'));
    await h.call(tenant, 'POST', '/device', { label: 'd', templates: [body.template.id] });
    for (const path of [`/template/${body.template.id}`, '/template']) {
      const res = await h.call(tenant, 'DELETE', path);
      assert.equal(res.status, 400);
      assert.equal(res.body.message, 'Templates cannot be removed as they are being used by devices');
      assert.equal(res.body.code, 'DM_TEMPLATE_IN_USE');
    }
    assert.equal((await h.call(tenant, 'GET', `/template/${body.template.id}`)).status, 200);
  });

  it("deletes all of a tenant's templates at once", async () => {
    await h.call(tenant, 'POST', '/template', templateBody('a', 'x:dynamic:float'));
    await h.call(tenant, 'POST', '/template', templateBody('b'));
    const res = await h.call(tenant, 'DELETE', '/template');
    assert.equal(res.status, 200);
    assert.equal(res.body.result, 'ok');
    assert.deepEqual(
      res.body.removed.map((t: { label: string }) => t.label),
      ['a', 'b'],
    );
    assert.equal((await h.call(tenant, 'GET', '/template')).body.templates.length, 0);
  });
});
