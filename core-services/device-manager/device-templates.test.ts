import assert from 'node:assert/strict';
import { freshTenant, makeDevice, makeTemplate, startHarness, templateBody, type Harness } from './test-harness.js';

describe('device-manager device templates', () => {
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

  it('adds a template to a device and removes it again', async () => {
    const a = await template('a', 'model:static:string:X1');
    const b = await template('b', 'temp:dynamic:float');
    const clash = await template('c', 'model:static:string');
    const d = await device({ label: 'd', templates: [a.id] });
    const added = await h.call(tenant, 'POST', `/device/${d.id}/template/${b.id}`);
    assert.equal(added.status, 200);
    assert.equal(added.body.message, 'device updated');
    assert.deepEqual(added.body.device.templates, [a.id, b.id]);
    const again = await h.call(tenant, 'POST', `/device/${d.id}/template/${b.id}`);
    assert.equal(again.status, 400);
    assert.equal(again.body.code, 'DM_ALREADY_ASSOCIATED');
    const conflict = await h.call(tenant, 'POST', `/device/${d.id}/template/${clash.id}`);
    assert.equal(conflict.status, 400);
    assert.equal(
      conflict.body.message,
      `Template (${clash.id}) cannot be added to device (${d.id}) as it has standing attribute conflicts`,
    );
    assert.equal((await h.call(tenant, 'POST', `/device/${d.id}/template/987654`)).status, 404);
    assert.equal((await h.call(tenant, 'POST', `/device/abcdef0/template/${b.id}`)).status, 404);
    const removed = await h.call(tenant, 'DELETE', `/device/${d.id}/template/${a.id}`);
    assert.equal(removed.status, 200);
    assert.deepEqual(removed.body.device.templates, [b.id]);
    assert.deepEqual(Object.keys(removed.body.device.attrs), [String(b.id)]);
    const notThere = await h.call(tenant, 'DELETE', `/device/${d.id}/template/${a.id}`);
    assert.equal(notThere.status, 404);
    assert.equal(notThere.body.message, `Device ${d.id} is not associated with template ${a.id}`);
  });

  it("forgets a device's overrides of a template it no longer uses", async () => {
    const a = await template('a', 'model:static:string:X1');
    const d = await device({
      label: 'd',
      templates: [a.id],
      attrs: [{ id: a.attr.model, template_id: a.id, static_value: 'mine' }],
    });
    await h.call(tenant, 'DELETE', `/device/${d.id}/template/${a.id}`);
    const back = await h.call(tenant, 'POST', `/device/${d.id}/template/${a.id}`);
    assert.equal(back.body.device.attrs[String(a.id)][0].static_value, 'X1');
    assert.equal(back.body.device.attrs[String(a.id)][0].is_static_overridden, false);
  });

  it("keeps a device's overrides of attributes a template edit keeps, and drops the others", async () => {
    const a = await template('a', 'model:static:string:X1', 'serial:static:string:0');
    const d = await device({
      label: 'd',
      templates: [a.id],
      attrs: [
        { id: a.attr.model, template_id: a.id, static_value: 'M' },
        { id: a.attr.serial, template_id: a.id, static_value: 'S' },
      ],
    });
    await h.call(tenant, 'PUT', `/template/${a.id}`, templateBody('a', 'model:static:string:X2'));
    const got = (await h.call(tenant, 'GET', `/device/${d.id}`)).body;
    assert.deepEqual(
      got.attrs[String(a.id)].map((x: { label: string; static_value: string }) => [x.label, x.static_value]),
      [['model', 'M']],
    );
  });
});
