import assert from 'node:assert/strict';
import { freshTenant, makeDevice, makeTemplate, startHarness, templateBody, type Harness } from './test-harness.js';

const DOJOT_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/;

describe('device-manager devices', () => {
  let h: Harness;
  let tenant: string;
  const template = (label: string, ...attrs: string[]) => makeTemplate(h, tenant, label, ...attrs);
  const device = (body: unknown) => makeDevice(h, tenant, body);

  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  beforeEach(() => {
    tenant = freshTenant();
  });

  it('creates a device with a 5-6 hex digit id and shows it as a FullDevice', async () => {
    const t = await template('sensor', 'temp:dynamic:float', 'model:static:string:X1');
    const res = await h.call(tenant, 'POST', '/device', { label: 'kitchen', templates: [t.id] });
    assert.equal(res.status, 200);
    assert.equal(res.body.message, 'devices created');
    const [{ id, label }] = res.body.devices;
    assert.deepEqual(Object.keys(res.body.devices[0]), ['id', 'label']);
    assert.match(id, /^[0-9a-f]{5,6}$/);
    assert.equal(label, 'kitchen');
    const got = await h.call(tenant, 'GET', `/device/${id}`);
    assert.equal(got.status, 200);
    const d = got.body;
    assert.deepEqual(Object.keys(d), ['id', 'label', 'created', 'templates', 'attrs']);
    assert.match(d.created, DOJOT_TIME);
    assert.deepEqual(d.templates, [t.id]);
    assert.deepEqual(Object.keys(d.attrs), [String(t.id)]);
    const [temp, model] = d.attrs[String(t.id)];
    assert.equal(temp.label, 'temp');
    assert.equal('is_static_overridden' in temp, false, 'only attributes with a static value carry the flag');
    assert.equal(model.static_value, 'X1');
    assert.equal(model.is_static_overridden, false);
    assert.equal(model.template_id, String(t.id));
  });

  it('accepts a device without templates', async () => {
    const d = await device({ label: 'bare' });
    assert.deepEqual(d.templates, []);
    assert.deepEqual(d.attrs, {});
  });

  it('answers the full device when verbose, and refuses verbose with count above 1', async () => {
    const t = await template('s', 'a:dynamic:float');
    const res = await h.call(tenant, 'POST', '/device?verbose=true', { label: 'v', templates: [t.id] });
    assert.equal(res.body.message, 'device created');
    assert.deepEqual(res.body.devices[0], (await h.call(tenant, 'GET', `/device/${res.body.devices[0].id}`)).body);
    const bad = await h.call(tenant, 'POST', '/device?verbose=true&count=2', { label: 'v', templates: [t.id] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'Verbose can only be used for single device creation');
  });

  it('numbers the labels of several devices created at once, zero-padded to the width of count', async () => {
    const three = await h.call(tenant, 'POST', '/device?count=3', { label: 'lamp' });
    assert.deepEqual(
      three.body.devices.map((d: { label: string }) => d.label),
      ['lamp_0', 'lamp_1', 'lamp_2'],
    );
    const ten = await h.call(tenant, 'POST', '/device?count=10', { label: 'bulb' });
    assert.equal(ten.body.devices[0].label, 'bulb_00');
    assert.equal(ten.body.devices[9].label, 'bulb_09');
    assert.equal(new Set(ten.body.devices.map((d: { id: string }) => d.id)).size, 10);
    for (const count of ['abc', '0', '-1', '10001']) {
      const bad = await h.call(tenant, 'POST', `/device?count=${count}`, { label: 'x' });
      assert.equal(bad.status, 400, count);
      assert.equal(bad.body.message, 'If provided, count must be integer');
    }
  });

  it('stores static-value overrides given on create and marks them overridden', async () => {
    const body = {
      label: 'meta',
      attrs: [
        {
          label: 'model',
          type: 'static',
          value_type: 'string',
          static_value: 'X1',
          metadata: [{ label: 'unit', type: 'meta', value_type: 'string', static_value: 'C' }],
        },
        { label: 'serial', type: 'static', value_type: 'string' },
      ],
    };
    const t = (await h.call(tenant, 'POST', '/template', body)).body.template;
    const [model, serial] = t.attrs;
    const d = await device({
      label: 'd',
      templates: [t.id],
      attrs: [
        {
          id: model.id,
          template_id: String(t.id),
          static_value: 'X9',
          metadata: [{ id: model.metadata[0].id, static_value: 'F' }],
        },
        { id: serial.id, template_id: t.id, static_value: 42 },
      ],
    });
    const [m, s] = d.attrs[String(t.id)];
    assert.equal(m.static_value, 'X9');
    assert.equal(m.is_static_overridden, true);
    assert.deepEqual([m.metadata[0].static_value, m.metadata[0].is_static_overridden], ['F', true]);
    assert.deepEqual([s.static_value, s.is_static_overridden], ['42', true]);
    const tpl = (await h.call(tenant, 'GET', `/template/${t.id}`)).body;
    assert.equal(tpl.attrs[0].static_value, 'X1', 'the template keeps its own value');
  });

  it("rejects overrides that do not name an attribute of the device's templates", async () => {
    const t = await template('s', 'model:static:string:X1');
    const other = await template('o', 'x:static:string:Y');
    const cases: [unknown, number, RegExp][] = [
      [
        [{ id: t.attr.model, template_id: other.id, static_value: 'z' }],
        400,
        new RegExp(`^Unknown template ${other.id} in attr list$`),
      ],
      [
        [{ id: other.attr.x, template_id: t.id, static_value: 'z' }],
        400,
        new RegExp(`^Unknown attribute ${other.attr.x} in override list$`),
      ],
      [[{ id: 'abc', template_id: t.id, static_value: 'z' }], 400, /^Unknown attribute "abc" in override list$/],
      [
        [{ id: t.attr.model, template_id: t.id, metadata: [{ id: 99999, static_value: 'z' }] }],
        400,
        /^Unknown metadata attribute 99999/,
      ],
    ];
    for (const [attrs, status, message] of cases) {
      const res = await h.call(tenant, 'POST', '/device', { label: 'd', templates: [t.id], attrs });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(res.body.error, message);
      assert.equal(res.body.status, 400);
    }
    const twice = await h.call(tenant, 'POST', '/device', {
      label: 'd',
      templates: [t.id],
      attrs: [
        { id: t.attr.model, template_id: t.id, static_value: 'a' },
        { id: t.attr.model, template_id: t.id, static_value: 'b' },
      ],
    });
    assert.equal(twice.status, 400);
    assert.deepEqual(twice.body.message, ['a device can not have repeated attributes']);
    assert.equal((await h.call(tenant, 'GET', '/device')).body.devices.length, 0, 'nothing was half-written');
  });

  it('rejects device bodies of the wrong shape with 400 naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ templates: [] }, /^label: is required/],
      [{ label: 7 }, /^label: expected a string, got number/],
      [{ label: 'x'.repeat(129) }, /^label: must be at most 128/],
      [{ label: 'd', templates: 1 }, /^templates: expected an array/],
      [{ label: 'd', templates: ['x'] }, /^templates: templates\[0\] must be a template id/],
      [{ label: 'd', templates: [1.5] }, /^templates: templates\[0\] must be a template id/],
      [{ label: 'd', attrs: {} }, /^attrs: expected an array/],
      ['"just a string"', /^Payload must be valid JSON.*got string/],
    ];
    for (const [body, message] of cases) {
      const res = await h.call(tenant, 'POST', '/device', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error, message);
      assert.ok(res.body.message);
    }
  });

  it('answers 404 for a device naming an unknown template', async () => {
    const res = await h.call(tenant, 'POST', '/device', { label: 'd', templates: [987654] });
    assert.equal(res.status, 404);
    assert.equal(res.body.message, 'No such template: 987654');
  });

  it("refuses two templates sharing an attribute label and type, with dojot's message", async () => {
    const a = await template('a', 'temp:dynamic:float');
    const b = await template('b', 'temp:dynamic:integer');
    const c = await template('c', 'temp:static:string');
    const res = await h.call(tenant, 'POST', '/device', { label: 'd', templates: [a.id, b.id] });
    assert.equal(res.status, 400);
    assert.match(
      res.body.message,
      new RegExp(
        `^Template \\(${b.id}\\) cannot be added to device \\([0-9a-f]+\\) as it has standing attribute conflicts$`,
      ),
    );
    assert.equal(res.body.code, 'DM_TEMPLATE_CONFLICT');
    assert.equal((await h.call(tenant, 'GET', '/device')).body.devices.length, 0);
    assert.equal(
      (await h.call(tenant, 'POST', '/device', { label: 'd', templates: [a.id, c.id] })).status,
      200,
      'another type is no conflict',
    );
  });

  it('refuses a template edit that would give a device conflicting attributes', async () => {
    const a = await template('a', 'temp:dynamic:float');
    const b = await template('b', 'hum:dynamic:float');
    await device({ label: 'd', templates: [a.id, b.id] });
    const res = await h.call(
      tenant,
      'PUT',
      `/template/${b.id}`,
      templateBody('b', 'hum:dynamic:float', 'temp:dynamic:float'),
    );
    assert.equal(res.status, 400);
    assert.match(res.body.message, /^Attribute temp \(\d+\) has standing conflicts$/);
    assert.equal(res.body.code, 'DM_ATTR_CONFLICT');
    const still = (await h.call(tenant, 'GET', `/template/${b.id}`)).body;
    assert.deepEqual(
      still.attrs.map((x: { label: string }) => x.label),
      ['hum'],
      'the edit was rolled back',
    );
  });

  it('lists devices page by page, filtered and sorted', async () => {
    const s = await template('sensor', 'model:static:string:X1', 'temp:dynamic:float');
    const g = await template('gps', 'pos:dynamic:geo');
    await device({ label: 'zeta', templates: [s.id] });
    await device({
      label: 'alpha',
      templates: [s.id],
      attrs: [{ id: s.attr.model, template_id: s.id, static_value: 'X2' }],
    });
    await device({ label: 'car-alpha', templates: [g.id] });
    const list = async (q: string) => (await h.call(tenant, 'GET', `/device?${q}`)).body;
    const labels = async (q: string) => (await list(q)).devices.map((d: { label: string }) => d.label).sort();
    assert.deepEqual(await labels('label=alpha'), ['alpha', 'car-alpha']);
    assert.deepEqual(await labels('attr=model=X1'), ['zeta']);
    assert.deepEqual(await labels('attr=model=X2'), ['alpha'], 'the override counts, not the template value');
    assert.deepEqual(await labels('attr_type=geo'), ['car-alpha']);
    assert.deepEqual(await labels(`template=${s.id}`), ['alpha', 'zeta']);
    assert.deepEqual(await labels(`template=${s.id}&label=zet`), ['zeta']);
    const sorted = (await list('sortBy=label')).devices.map((d: { label: string }) => d.label);
    assert.deepEqual(sorted, ['alpha', 'car-alpha', 'zeta']);
    const ids = (await list('')).devices.map((d: { id: string }) => d.id);
    assert.deepEqual(ids, [...ids].sort(), 'by id unless asked otherwise');
    const p1 = await list('page_size=2');
    assert.equal(p1.devices.length, 2);
    assert.deepEqual(p1.pagination, { page: 1, total: 2, has_next: true, next_page: 2 });
    assert.deepEqual((await list('page_size=2&page_num=2')).pagination, {
      page: 2,
      total: 2,
      has_next: false,
      next_page: null,
    });
    const bare = await list('idsOnly=true&sortBy=label');
    assert.equal(bare.length, 3);
    assert.equal(typeof bare[0], 'string');
    assert.deepEqual(await list('idsOnly=true&page_size=1&sortBy=label'), [bare[0]]);
    const bad = await h.call(tenant, 'GET', '/device?template=abc');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /^template: must be a template id/);
  });

  it('lists the devices of one template', async () => {
    const s = await template('s', 'a:dynamic:float');
    const o = await template('o', 'b:dynamic:float');
    const mine = await device({ label: 'one', templates: [s.id] });
    await device({ label: 'two', templates: [o.id] });
    const res = await h.call(tenant, 'GET', `/device/template/${s.id}?page_size=5`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.devices.map((d: { id: string }) => d.id),
      [mine.id],
    );
    assert.deepEqual(res.body.pagination, { page: 1, total: 1, has_next: false, next_page: null });
    const unknown = await h.call(tenant, 'GET', '/device/template/987654');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.message, 'No such template: 987654');
  });

  it('replaces a device on PUT, keeping its id and creation time', async () => {
    const a = await template('a', 'model:static:string:X1');
    const b = await template('b', 'temp:dynamic:float');
    const d = await device({
      label: 'd',
      templates: [a.id],
      attrs: [{ id: a.attr.model, template_id: a.id, static_value: 'mine' }],
    });
    const res = await h.call(tenant, 'PUT', `/device/${d.id}`, { label: 'renamed', templates: [a.id, b.id] });
    assert.equal(res.status, 200);
    assert.equal(res.body.message, 'device updated');
    const u = res.body.device;
    assert.deepEqual([u.id, u.created, u.label, u.templates], [d.id, d.created, 'renamed', [a.id, b.id]]);
    assert.match(u.updated, DOJOT_TIME);
    assert.equal(u.attrs[String(a.id)][0].static_value, 'X1', 'overrides not given again are gone');
    assert.deepEqual((await h.call(tenant, 'GET', `/device/${d.id}`)).body, u);
    const missing = await h.call(tenant, 'PUT', '/device/abcdef0', { label: 'x' });
    assert.equal(missing.status, 404);
    const bad = await h.call(tenant, 'PUT', `/device/${d.id}`, { label: 'x', templates: 'a' });
    assert.equal(bad.status, 400);
  });

  it('deletes one device, answering with it, then answers 404 for it', async () => {
    const d = await device({ label: 'd' });
    const res = await h.call(tenant, 'DELETE', `/device/${d.id}`);
    assert.deepEqual(res.body, { result: 'ok', removed_device: d });
    const gone = await h.call(tenant, 'GET', `/device/${d.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, {
      error: `No such device: ${d.id}`,
      code: 'DM_NO_SUCH_DEVICE',
      message: `No such device: ${d.id}`,
      status: 404,
    });
    assert.equal((await h.call(tenant, 'DELETE', `/device/${d.id}`)).status, 404);
  });

  it("deletes all of a tenant's devices at once", async () => {
    const t = await template('t', 'a:dynamic:float');
    await h.call(tenant, 'POST', '/device?count=3', { label: 'd', templates: [t.id] });
    const res = await h.call(tenant, 'DELETE', '/device');
    assert.equal(res.body.result, 'ok');
    assert.equal(res.body.removed_devices.length, 3);
    assert.equal(res.body.removed_devices[0].templates[0], t.id);
    assert.equal((await h.call(tenant, 'GET', '/device')).body.devices.length, 0);
    assert.equal((await h.call(tenant, 'DELETE', `/template/${t.id}`)).status, 200, 'the template is free again');
  });
});
