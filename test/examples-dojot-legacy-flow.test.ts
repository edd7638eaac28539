// A flow as dojot's flow builder exported it (its own tab id in `z`, deprecated `device in`,
// `device out` and `actuate`, and dojot's configs of Node-RED's switch, change and template
// nodes) imports unchanged over /flows/v1/flow and runs: a real MQTT thermometer reports, the
// virtual display device gets the text, and the thermometer is told over MQTT to start its fan.
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { connectDevice, eventually, sleep } from './helpers/mqtt.js';

/** A fresh tenant runtime boots Node-RED: allow it this long, ms. */
const RUNTIME_MS = 45_000;

/** The flow, with THERMO / DISPLAY for the device ids. Keys and shapes as dojot stored them. */
function legacyFlow(thermo: string, display: string): unknown[] {
  return [
    {
      id: 'A1f0a7c2.5e0b18',
      type: 'device in',
      z: 'B7e1d3c4.a1b2c8',
      name: 'thermometer',
      _device_id: thermo,
      status: 'false',
      x: 120,
      y: 80,
      wires: [['A2c9d8e1.4f3a22']],
    },
    {
      id: 'A2c9d8e1.4f3a22',
      type: 'switch',
      z: 'B7e1d3c4.a1b2c8',
      name: 'hot?',
      property: 'payload.temperature',
      propertyType: 'msg',
      rules: [{ t: 'gt', v: '30', vt: 'num' }, { t: 'else' }],
      checkall: 'true',
      outputs: 2,
      x: 300,
      y: 80,
      wires: [['A3b8c7d6.2e1f90', 'A5d6e7f8.9a0b11'], ['A3b8c7d6.2e1f90']],
    },
    {
      id: 'A3b8c7d6.2e1f90',
      type: 'template',
      z: 'B7e1d3c4.a1b2c8',
      name: 'text',
      field: 'payload.text',
      fieldType: 'msg',
      syntax: 'mustache',
      template: 'It is {{payload.temperature}} degrees',
      output: 'str',
      x: 480,
      y: 60,
      wires: [['A4a1b2c3.d4e5f6']],
    },
    {
      id: 'A4a1b2c3.d4e5f6',
      type: 'device out',
      z: 'B7e1d3c4.a1b2c8',
      name: 'display',
      device_source: 'configured',
      _device_id: display,
      device_source_msg: '',
      attrs: 'payload',
      x: 660,
      y: 60,
      wires: [],
    },
    {
      id: 'A5d6e7f8.9a0b11',
      type: 'change',
      z: 'B7e1d3c4.a1b2c8',
      name: 'fan on',
      action: '',
      property: '',
      from: '',
      to: '',
      reg: false,
      rules: [{ t: 'set', p: 'payload.cmd', pt: 'msg', to: '{"fan": true}', tot: 'json' }],
      x: 480,
      y: 120,
      wires: [['A6e7f8a9.b0c1d2']],
    },
    {
      id: 'A6e7f8a9.b0c1d2',
      type: 'actuate',
      z: 'B7e1d3c4.a1b2c8',
      name: 'thermometer',
      device_source: 'self',
      _device_id: '',
      device_source_msg: '',
      attrs: 'payload.cmd',
      x: 660,
      y: 120,
      wires: [],
    },
  ];
}

describe('a flow exported from dojot with deprecated nodes', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let jwt: string;
  let thermo: string;
  let display: string;

  before(async () => {
    p = await startTestPlatform();
    jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 'thermometer',
      attrs: [
        { label: 'temperature', type: 'dynamic', value_type: 'float' },
        { label: 'fan', type: 'actuator', value_type: 'bool' },
      ],
    });
    const d = await p.api(jwt, 'POST', '/template', {
      label: 'display',
      attrs: [{ label: 'text', type: 'dynamic', value_type: 'string' }],
    });
    thermo = (await p.api(jwt, 'POST', '/device', { label: 'thermo', templates: [t.body.template.id] })).body.devices[0]
      .id;
    display = (await p.api(jwt, 'POST', '/device', { label: 'display', templates: [d.body.template.id] })).body
      .devices[0].id;
    const r = await p.api(jwt, 'POST', '/flows/v1/flow', { name: 'from dojot', flow: legacyFlow(thermo, display) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => p?.close());

  it('imports unchanged and runs: the display shows the text and the thermometer gets its fan command over MQTT', async () => {
    const device = await connectDevice(p.mqttPort!, `admin:${thermo}`);
    const commands: unknown[] = [];
    device.on('message', (_topic, payload) => commands.push(JSON.parse(payload.toString())));
    await device.subscribeAsync(`admin:${thermo}/config`, { qos: 1 });
    const text = () => p.api(jwt, 'GET', `/history/device/${display}/history?attr=text&lastN=1`);
    try {
      const first = await eventually(
        async () => {
          await device.publishAsync(`admin:${thermo}/attrs`, JSON.stringify({ temperature: 21 }), { qos: 1 });
          await sleep(500);
          return text();
        },
        (r) => r.status === 200 && r.body[0]?.value === 'It is 21 degrees',
        RUNTIME_MS,
      );
      assert.equal(first.body[0].value, 'It is 21 degrees');
      assert.deepEqual(commands, []);
      await device.publishAsync(`admin:${thermo}/attrs`, JSON.stringify({ temperature: 35 }), { qos: 1 });
      await eventually(
        async () => commands,
        (c) => c.length > 0,
        10_000,
      );
      assert.deepEqual(commands, [{ fan: true }]);
      const hot = await eventually(text, (r) => r.body[0]?.value === 'It is 35 degrees', 10_000);
      assert.equal(hot.body[0].value, 'It is 35 degrees');
    } finally {
      device.end(true);
    }
  });
});
