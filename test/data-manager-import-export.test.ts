// Data manager through the real platform: export, wipe, import, export gives the same file; a bad
// file changes nothing and names the offending item; a file in dojot's export shape imports.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const EMPTY = { templates: [], devices: [], flows: [], flowRemoteNodes: [], cronJobs: [] };

describe('data manager', function () {
  this.timeout(60_000);
  let p: TestPlatform;
  let jwt: string;
  let exported: any;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 'thermometer',
      attrs: [
        {
          label: 'temperature',
          type: 'dynamic',
          value_type: 'float',
          metadata: [{ label: 'unit', type: 'meta', value_type: 'string', static_value: 'C' }],
        },
        { label: 'model', type: 'static', value_type: 'string', static_value: 'T1' },
      ],
    });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const template = t.body.template;
    const model = template.attrs.find((a: any) => a.label === 'model');
    const d = await p.api(jwt, 'POST', '/device', {
      label: 'kitchen',
      templates: [template.id],
      attrs: [{ id: model.id, template_id: String(template.id), static_value: 'T2' }],
    });
    assert.equal(d.status, 200, JSON.stringify(d.body));
    await p.api(jwt, 'POST', '/device', { label: 'garage', templates: [template.id] });
    const f = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'alarm',
      flow: [{ id: 'n1', type: 'debug', wires: [] }],
    });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    const c = await p.api(jwt, 'POST', '/cron/v1/jobs', {
      time: '0 8 * * *',
      timezone: 'America/Sao_Paulo',
      name: 'morning',
      broker: { subject: 'device-data', message: { attrs: { on: true } } },
    });
    assert.equal(c.status, 201);
  });
  after(async () => p?.close());

  it("exports templates, devices, flows, remote nodes and cron jobs in dojot's shape", async () => {
    const res = await p.api(jwt, 'GET', '/export');
    assert.equal(res.status, 200);
    exported = res.body;
    assert.deepEqual(Object.keys(exported), ['templates', 'devices', 'flows', 'flowRemoteNodes', 'cronJobs']);
    assert.equal(exported.templates.length, 1);
    assert.equal(exported.templates[0].created, undefined);
    assert.equal(exported.templates[0].data_attrs, undefined);
    assert.equal(exported.devices.length, 2);
    const kitchen = exported.devices.find((d: any) => d.label === 'kitchen');
    assert.deepEqual(
      kitchen.attrs.map((a: any) => [a.label, a.static_value]),
      [['model', 'T2']],
    );
    assert.deepEqual(exported.devices.find((d: any) => d.label === 'garage').attrs, []);
    assert.equal(exported.flows[0].name, 'alarm');
    assert.equal(exported.cronJobs[0].spec.name, 'morning');
  });

  it('gives back the same export after a wipe and an import of the first export', async () => {
    const wipe = await p.api(jwt, 'POST', '/import', EMPTY);
    assert.deepEqual([wipe.status, wipe.body], [201, { message: 'data imported!' }]);
    assert.deepEqual((await p.api(jwt, 'GET', '/export')).body, EMPTY);
    assert.equal((await p.api(jwt, 'GET', '/device')).body.devices.length, 0);
    const back = await p.api(jwt, 'POST', '/import', exported);
    assert.equal(back.status, 201, JSON.stringify(back.body));
    assert.deepEqual((await p.api(jwt, 'GET', '/export')).body, exported);
    // the devices are really back: device-manager serves them
    const kitchen = exported.devices.find((d: any) => d.label === 'kitchen');
    assert.equal((await p.api(jwt, 'GET', `/device/${kitchen.id}`)).body.label, 'kitchen');
    // and new templates still get fresh ids after ids were imported
    const t = await p.api(jwt, 'POST', '/template', { label: 'new', attrs: [] });
    assert.ok(t.body.template.id > exported.templates[0].id);
    await p.api(jwt, 'DELETE', `/template/${t.body.template.id}`);
  });

  it('changes nothing and names the path of the offending item when a file is bad', async () => {
    const cases: [unknown, string][] = [
      [
        {
          ...exported,
          templates: [
            { ...exported.templates[0], attrs: [{ ...exported.templates[0].attrs[0], label: 'bad label!' }] },
          ],
        },
        'templates[0].attrs[0].label',
      ],
      [
        { ...exported, devices: [...exported.devices, { id: 'ff01', label: 'x', templates: [999], attrs: [] }] },
        'devices[2].templates[0]',
      ],
      [{ ...exported, flows: [{ name: 'f', enabled: true, flow: [{ id: 'a' }] }] }, 'flows[0].flow[0]'],
      [{ ...exported, flows: [{ name: 'f', enabled: 'yes', flow: [] }] }, 'flows[0].enabled'],
      [
        {
          ...exported,
          cronJobs: [
            { jobId: 'j', spec: { time: '* * * * *', http: { method: 'GET', url: 'http://169.254.169.254/' } } },
          ],
        },
        'cronJobs[0].spec.http.url',
      ],
      [{ ...exported, devices: 'none' }, 'devices'],
    ];
    for (const [file, path] of cases) {
      const res = await p.api(jwt, 'POST', '/import', file);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.path, path, JSON.stringify(res.body));
      assert.ok(res.body.error.startsWith(`${path}: `), res.body.error);
    }
    assert.equal((await p.api(jwt, 'POST', '/import', [])).status, 400);
    assert.deepEqual((await p.api(jwt, 'GET', '/export')).body, exported);
  });

  it('imports a file exported by dojot', async () => {
    // As dojot's data-manager wrote it: attrs with created and template_id as strings, flowbroker
    // nodes whose z names a tab that is not in the flow, a device attr overriding a static value.
    const dojotFile = {
      templates: [
        {
          id: 3,
          label: 'car',
          attrs: [
            {
              id: 10,
              label: 'gps',
              type: 'dynamic',
              value_type: 'geo:point',
              template_id: '3',
              created: '2021-02-01T10:00:00.000000+00:00',
            },
            {
              id: 11,
              label: 'plate',
              type: 'static',
              value_type: 'string',
              static_value: 'AAA0000',
              template_id: '3',
              created: '2021-02-01T10:00:00.000000+00:00',
            },
          ],
        },
      ],
      devices: [
        {
          id: 'a1b2c',
          label: 'car 1',
          templates: [3],
          attrs: [
            { id: 11, label: 'plate', type: 'static', value_type: 'string', static_value: 'BBB1111', template_id: '3' },
          ],
        },
      ],
      flows: [
        {
          id: '9d0b5a0e-4c2a-4f55-8a44-6f1b5f9c2b11',
          name: 'geofence',
          enabled: true,
          flow: [
            { id: 'A.1', type: 'tab', label: 'geofence' },
            { id: 'B.2', type: 'debug', z: 'A.1', name: 'out', wires: [] },
          ],
          created: 1612173600000,
          updated: 1612173600000,
        },
      ],
      flowRemoteNodes: [],
      cronJobs: [
        {
          jobId: '5e7b3f1a-1111-4222-8333-944444444444',
          spec: {
            time: '*/5 * * * *',
            name: 'poll',
            broker: {
              subject: 'dojot.device-manager.device',
              message: { event: 'configure', data: { id: 'a1b2c', attrs: { on: true } }, meta: { service: 'admin' } },
            },
          },
        },
      ],
    };
    const res = await p.api(jwt, 'POST', '/import', dojotFile);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const device = (await p.api(jwt, 'GET', '/device/a1b2c')).body;
    assert.equal(device.attrs['3'].find((a: any) => a.label === 'plate').static_value, 'BBB1111');
    assert.equal((await p.api(jwt, 'GET', '/template/3')).body.label, 'car');
    const flows = (await p.api(jwt, 'GET', '/flows/v1/flow')).body.flows;
    assert.deepEqual(
      flows.map((f: any) => [f.id, f.name, f.flow.map((n: any) => n.type)]),
      [['9d0b5a0e-4c2a-4f55-8a44-6f1b5f9c2b11', 'geofence', ['debug']]],
    );
    assert.deepEqual(
      (await p.api(jwt, 'GET', '/cron/v1/jobs')).body.map((j: any) => j.jobId),
      ['5e7b3f1a-1111-4222-8333-944444444444'],
    );
    // the devices of the previous configuration are gone
    assert.deepEqual(
      (await p.api(jwt, 'GET', '/device')).body.devices.map((d: any) => d.id),
      ['a1b2c'],
    );
  });
});
