import assert from 'node:assert/strict';
import { freshTenant, startHarness, templateBody, type Harness } from './test-harness.js';

describe('device-manager tenant isolation', () => {
  let h: Harness;
  let a: string;
  let b: string;
  let aTemplate: number;
  let aDevice: string;
  let bTemplate: number;
  let bDevice: string;

  before(async () => {
    h = await startHarness();
    [a, b] = [freshTenant('a'), freshTenant('b')];
    aTemplate = (await h.call(a, 'POST', '/template', templateBody('a-t', 'on:actuator:bool', 'model:static:string:A')))
      .body.template.id;
    aDevice = (await h.call(a, 'POST', '/device', { label: 'a-dev', templates: [aTemplate] })).body.devices[0].id;
    bTemplate = (await h.call(b, 'POST', '/template', templateBody('b-t', 'on:actuator:bool'))).body.template.id;
    bDevice = (await h.call(b, 'POST', '/device', { label: 'b-dev', templates: [bTemplate] })).body.devices[0].id;
  });
  after(async () => h.close());

  it("answers 404 to every call on another tenant's device or template", async () => {
    const calls: [string, string, unknown?][] = [
      ['GET', `/device/${aDevice}`],
      ['PUT', `/device/${aDevice}`, { label: 'x' }],
      ['DELETE', `/device/${aDevice}`],
      ['PUT', `/device/${aDevice}/actuate`, { attrs: { on: true } }],
      ['POST', `/device/${aDevice}/template/${bTemplate}`],
      ['DELETE', `/device/${aDevice}/template/${aTemplate}`],
      ['POST', `/device/${bDevice}/template/${aTemplate}`],
      ['GET', `/template/${aTemplate}`],
      ['PUT', `/template/${aTemplate}`, { label: 'x', attrs: [] }],
      ['DELETE', `/template/${aTemplate}`],
      ['GET', `/device/template/${aTemplate}`],
      ['POST', '/device', { label: 'x', templates: [aTemplate] }],
    ];
    for (const [method, url, body] of calls) {
      const res = await h.call(b, method, url, body);
      assert.equal(res.status, 404, `${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(res.body.error);
    }
    const mine = await h.call(a, 'GET', `/device/${aDevice}`);
    assert.equal(mine.status, 200, "A's device is untouched");
    assert.equal(mine.body.label, 'a-dev');
    assert.equal((await h.call(a, 'GET', `/template/${aTemplate}`)).body.label, 'a-t');
  });

  it("never lists another tenant's devices or templates, whatever the filters", async () => {
    const queries = ['', '?label=dev', `?template=${aTemplate}`, '?attr=model=A', '?attr_type=bool', '?sortBy=label'];
    for (const q of queries) {
      const devices = (await h.call(b, 'GET', `/device${q}`)).body.devices;
      assert.ok(!devices.some((d: { id: string }) => d.id === aDevice), q);
    }
    assert.deepEqual((await h.call(b, 'GET', '/device?idsOnly=true')).body, [bDevice]);
    const templates = (await h.call(b, 'GET', '/template?label=t')).body.templates;
    assert.deepEqual(
      templates.map((t: { id: number }) => t.id),
      [bTemplate],
    );
  });

  it("refuses another tenant's attribute as an override", async () => {
    const aAttr = (await h.call(a, 'GET', `/template/${aTemplate}`)).body.attrs[1].id;
    const res = await h.call(b, 'POST', '/device', {
      label: 'x',
      templates: [bTemplate],
      attrs: [{ id: aAttr, template_id: bTemplate, static_value: 'z' }],
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.message, `Unknown attribute ${aAttr} in override list`);
  });

  it("deletes only the caller's devices and templates on DELETE of a whole collection", async () => {
    const c = freshTenant('c');
    const cTemplate = (await h.call(c, 'POST', '/template', templateBody('c-t'))).body.template.id;
    await h.call(c, 'POST', '/device', { label: 'c-dev', templates: [cTemplate] });
    const removed = (await h.call(c, 'DELETE', '/device')).body.removed_devices;
    assert.deepEqual(
      removed.map((d: { label: string }) => d.label),
      ['c-dev'],
    );
    assert.deepEqual(
      (await h.call(c, 'DELETE', '/template')).body.removed.map((t: { id: number }) => t.id),
      [cTemplate],
    );
    assert.equal((await h.call(a, 'GET', `/device/${aDevice}`)).status, 200);
    assert.equal((await h.call(a, 'GET', `/template/${aTemplate}`)).status, 200);
  });

  it("publishes each tenant's events on its own topic", async () => {
    const before = h.events.length;
    await h.call(b, 'PUT', `/device/${bDevice}/actuate`, { attrs: { on: true } });
    await h.settle();
    const fresh = h.events.slice(before);
    assert.deepEqual(
      fresh.map((m) => m.topic),
      [`${b}.dojot.device-manager.device`],
    );
  });
});
