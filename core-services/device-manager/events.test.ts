import assert from 'node:assert/strict';
import { freshTenant, startHarness, templateBody, type Harness } from './test-harness.js';

describe('device-manager events and actuation', () => {
  let h: Harness;
  let tenant: string;
  const create = async (body: unknown, query = '?verbose=true') =>
    (await h.call(tenant, 'POST', `/device${query}`, body)).body.devices;
  const template = async (...attrs: string[]) =>
    (await h.call(tenant, 'POST', '/template', templateBody('t', ...attrs))).body.template;
  const events = async () => {
    await h.settle();
    return h.eventsOf(tenant);
  };

  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  beforeEach(() => {
    tenant = freshTenant();
  });

  it("publishes create, update and remove in dojot's envelope, keyed by device id", async () => {
    const t = await template('a:dynamic:float');
    const [d] = await create({ label: 'd', templates: [t.id] });
    const updated = (await h.call(tenant, 'PUT', `/device/${d.id}`, { label: 'd2', templates: [t.id] })).body.device;
    const removed = (await h.call(tenant, 'DELETE', `/device/${d.id}`)).body.removed_device;
    const seen = await events();
    assert.deepEqual(seen, [
      { event: 'create', key: d.id, meta: { service: tenant }, data: d },
      { event: 'update', key: d.id, meta: { service: tenant }, data: updated },
      { event: 'remove', key: d.id, meta: { service: tenant }, data: removed },
    ]);
  });

  it('publishes one create per device when several are created at once', async () => {
    const made = await create({ label: 'lamp' }, '?count=4');
    const seen = await events();
    assert.deepEqual(
      seen.map((e) => e.event),
      ['create', 'create', 'create', 'create'],
    );
    assert.deepEqual(
      seen.map((e) => e.key),
      made.map((d: { id: string }) => d.id),
    );
    assert.deepEqual(
      seen.map((e) => e.data.label),
      ['lamp_0', 'lamp_1', 'lamp_2', 'lamp_3'],
    );
  });

  it('publishes a remove per device when all devices are deleted', async () => {
    const made = await create({ label: 'x' }, '?count=2');
    await h.call(tenant, 'DELETE', '/device');
    const removes = (await events()).filter((e) => e.event === 'remove');
    assert.deepEqual(removes.map((e) => e.key).sort(), made.map((d: { id: string }) => d.id).sort());
  });

  it('publishes an update per device when its template changes, then template.update', async () => {
    const t = await template('a:dynamic:float');
    const made = await create({ label: 'x', templates: [t.id] }, '?count=2');
    const updated = (
      await h.call(tenant, 'PUT', `/template/${t.id}`, templateBody('t', 'a:dynamic:float', 'b:dynamic:float'))
    ).body.updated;
    const seen = (await events()).filter((e) => e.event !== 'create');
    assert.deepEqual(
      seen.map((e) => e.event),
      ['update', 'update', 'template.update'],
    );
    const ids = made.map((d: { id: string }) => d.id).sort();
    assert.deepEqual(
      seen
        .slice(0, 2)
        .map((e) => e.key)
        .sort(),
      ids,
    );
    assert.deepEqual(
      seen[0].data.attrs[String(t.id)].map((a: { label: string }) => a.label),
      ['a', 'b'],
    );
    assert.deepEqual(seen[2].data.affected.sort(), ids);
    assert.deepEqual(seen[2].data.template, updated);
  });

  it('publishes an update when a template is added to or removed from a device', async () => {
    const t = await template('a:dynamic:float');
    const [d] = await create({ label: 'd' });
    await h.call(tenant, 'POST', `/device/${d.id}/template/${t.id}`);
    await h.call(tenant, 'DELETE', `/device/${d.id}/template/${t.id}`);
    const seen = (await events()).filter((e) => e.event === 'update');
    assert.deepEqual(
      seen.map((e) => e.data.templates),
      [[t.id], []],
    );
  });

  it('publishes nothing when a change is refused', async () => {
    const t = await template('a:dynamic:float');
    const clash = await template('a:dynamic:integer');
    await h.call(tenant, 'POST', '/device', { label: 'd', templates: [t.id, clash.id] });
    await h.call(tenant, 'POST', '/device', { label: 'd', templates: [987654] });
    assert.deepEqual(await events(), []);
  });

  it("sends a configure event for actuator attributes and answers with dojot's leading-space key", async () => {
    const t = await template('on:actuator:bool', 'level:actuator:integer', 'temp:dynamic:float');
    const [d] = await create({ label: 'lamp', templates: [t.id] });
    const before = Date.now();
    const res = await h.call(tenant, 'PUT', `/device/${d.id}/actuate`, { attrs: { on: true, level: 3 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { ' status': 'configuration sent to device' });
    const configure = (await events()).filter((e) => e.event === 'configure');
    assert.equal(configure.length, 1);
    assert.equal(configure[0].key, d.id);
    assert.deepEqual(configure[0].data, { attrs: { on: true, level: 3 }, id: d.id });
    assert.equal(configure[0].meta.service, tenant);
    assert.ok(configure[0].meta.timestamp >= before && configure[0].meta.timestamp <= Date.now(), 'timestamp is in ms');
  });

  it('refuses to actuate attributes that are not actuators with 403 and publishes nothing', async () => {
    const t = await template('on:actuator:bool', 'temp:dynamic:float');
    const [d] = await create({ label: 'lamp', templates: [t.id] });
    const res = await h.call(tenant, 'PUT', `/device/${d.id}/actuate`, { attrs: { on: false, temp: 3, nope: 1 } });
    assert.equal(res.status, 403);
    assert.equal(res.body.status, 'some of the attributes are not configurable');
    assert.deepEqual(res.body.attrs, ['temp', 'nope']);
    assert.equal(res.body.code, 'DM_NOT_CONFIGURABLE');
    assert.match(res.body.error, /temp, nope/);
    assert.deepEqual(
      (await events()).filter((e) => e.event === 'configure'),
      [],
    );
  });

  it('actuates the actuators of every template of a device, and none of a device without templates', async () => {
    const lamp = await template('on:actuator:bool', 'temp:dynamic:float');
    const fan = await template('speed:actuator:integer', 'mode:static:string');
    const [both] = await create({ label: 'both', templates: [lamp.id, fan.id] });
    const ok = await h.call(tenant, 'PUT', `/device/${both.id}/actuate`, { attrs: { on: true, speed: 2 } });
    assert.equal(ok.status, 200);
    const refused = await h.call(tenant, 'PUT', `/device/${both.id}/actuate`, { attrs: { speed: 1, mode: 'x' } });
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body.attrs, ['mode']);
    const [bare] = await create({ label: 'bare' });
    const none = await h.call(tenant, 'PUT', `/device/${bare.id}/actuate`, { attrs: { on: true } });
    assert.equal(none.status, 403);
    assert.deepEqual(none.body.attrs, ['on']);
    const other = await h.call(freshTenant(), 'PUT', `/device/${both.id}/actuate`, { attrs: { on: true } });
    assert.equal(other.status, 404, "another tenant's device is unknown");
    const configure = (await events()).filter((e) => e.event === 'configure');
    assert.deepEqual(
      configure.map((e) => e.data),
      [{ attrs: { on: true, speed: 2 }, id: both.id }],
    );
  });

  it('answers 404 for actuating an unknown device and 400 for a body without attrs', async () => {
    const missing = await h.call(tenant, 'PUT', '/device/abcdef/actuate', { attrs: { on: true } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, 'No such device: abcdef');
    const [d] = await create({ label: 'd' });
    for (const body of [{}, { attrs: [1] }, { attrs: 'on' }]) {
      const res = await h.call(tenant, 'PUT', `/device/${d.id}/actuate`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error, /^attrs: expected an object/);
    }
  });
});
