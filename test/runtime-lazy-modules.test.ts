// The libraries that tenant runtimes load on first use (runtime/tenant/lazy-modules.ts) still
// work in real flows: a device message goes through the xml, yaml, template (YAML output) and html
// nodes and JSONata's $moment, each loading its library on that first message.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually } from './helpers/mqtt.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;

describe('tenant runtime libraries loaded on first use', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;
  let device: string;
  const kept = async (key: string) =>
    (
      await p.store.query<{ value: any }>(
        "SELECT value FROM flow_context WHERE tenant = 'admin' AND scope = 'global' AND key = $1",
        [key],
      )
    )[0]?.value ?? null;
  const keep = (id: string, key: string) => ({
    id,
    type: 'function',
    func: `global.set(${JSON.stringify(key)}, msg.payload, "persistent"); return null;`,
    wires: [],
  });

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 't',
      attrs: [{ label: 'n', type: 'dynamic', value_type: 'integer' }],
    });
    device = (await p.api(jwt, 'POST', '/device', { label: 'parser', templates: [t.body.template.id] })).body.devices[0]
      .id;
    const flow = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'parsers',
      flow: [
        { id: 'in', type: 'dojot bus in', subject: 'device-data', wires: [['mk-xml', 'mk-html', 'tpl', 'when']] },
        {
          id: 'mk-xml',
          type: 'function',
          func: 'msg.payload = "<r><n>" + msg.payload.attrs.n + "</n></r>"; return msg;',
          wires: [['xml']],
        },
        { id: 'xml', type: 'xml', property: 'payload', attr: '', chr: '', wires: [['to-yaml']] },
        { id: 'to-yaml', type: 'yaml', property: 'payload', wires: [['from-yaml', 'keep-yaml']] },
        { id: 'from-yaml', type: 'yaml', property: 'payload', wires: [['keep-xml']] },
        keep('keep-yaml', 'yaml'),
        keep('keep-xml', 'xml'),
        {
          id: 'mk-html',
          type: 'function',
          func: 'msg.payload = "<div><p class=\\"k\\">n=" + msg.payload.attrs.n + "</p></div>"; return msg;',
          wires: [['html']],
        },
        {
          id: 'html',
          type: 'html',
          property: 'payload',
          outproperty: 'payload',
          tag: 'p.k',
          ret: 'text',
          as: 'single',
          wires: [['keep-html']],
        },
        keep('keep-html', 'html'),
        {
          id: 'tpl',
          type: 'template',
          field: 'payload',
          fieldType: 'msg',
          syntax: 'mustache',
          template: 'n: {{payload.attrs.n}}',
          output: 'yaml',
          wires: [['keep-tpl']],
        },
        keep('keep-tpl', 'template'),
        {
          id: 'when',
          type: 'change',
          rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '$string($moment())', tot: 'jsonata' }],
          wires: [['keep-when']],
        },
        keep('keep-when', 'moment'),
      ],
    });
    assert.equal(flow.status, 200, JSON.stringify(flow.body));
  });
  after(async () => p?.close());

  it('parses and formats with libraries loaded on the first message', async () => {
    await eventually(
      async () => (await p.api(jwt, 'GET', '/flows/v1/runtime')).body.runtimes?.[0]?.state,
      (s) => s === 'running',
      RUNTIME_MS,
    );
    const client = await connectDevice(p.mqttPort!, `admin:${device}`);
    try {
      await client.publishAsync(`admin:${device}/attrs`, JSON.stringify({ n: 7 }), { qos: 1 });
      const xml = await eventually(
        () => kept('xml'),
        (v) => v !== null,
        RUNTIME_MS,
      );
      assert.deepEqual(xml, { r: { n: ['7'] } });
      assert.equal(await kept('yaml'), "r:\n  'n':\n    - '7'\n");
      assert.deepEqual(
        await eventually(
          () => kept('html'),
          (v) => v !== null,
          RUNTIME_MS,
        ),
        ['n=7'],
      );
      assert.deepEqual(
        await eventually(
          () => kept('template'),
          (v) => v !== null,
          RUNTIME_MS,
        ),
        { n: 7 },
      );
      const when = await eventually(
        () => kept('moment'),
        (v) => v !== null,
        RUNTIME_MS,
      );
      assert.match(when, /^"\d{4}-\d\d-\d\dT/);
    } finally {
      client.end(true);
    }
  });
});
