// The device nodes in a real Node-RED (node-red-node-test-helper) with stub platform services:
// head nodes fire per dojot's rules (§5.2) and output nodes publish dojot's shapes (§5.3).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { StubServices, device, helper, load, nextMessage, tick } from '../helpers/dojot-nodes.js';

const data = (id: string, attrs: Record<string, unknown>, timestamp = 1_700_000_000_000) => ({
  metadata: { deviceid: id, tenant: 'admin', timestamp },
  attrs,
});

describe('dojot head nodes', () => {
  let s: StubServices;
  beforeEach(() => {
    s = new StubServices();
    s.devices.set('abc', device('abc', [1], { room: 'kitchen' }));
    s.devices.set('def', device('def', [2]));
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('emits an event device in message with the static attributes merged into data.attrs', async () => {
    await load(
      ['event-device-in'],
      [
        { id: 'n', type: 'event device in', device_id: 'abc', event_publish: true, wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const got = nextMessage(helper.getNode('h'));
    s.deliver('device-data', 'abc', data('abc', { temperature: 42 }));
    const msg = await got;
    assert.deepEqual(msg.payload, {
      event: 'publish',
      data: { id: 'abc', attrs: { room: 'kitchen', temperature: 42 } },
      metadata: { tenant: 'admin', timestamp: 1_700_000_000_000 },
    });
    assert.equal(msg._dojot.originator, 'abc');
  });

  it('ignores other devices and unchecked events without looking devices up', async () => {
    await load(
      ['event-device-in'],
      [
        {
          id: 'n',
          type: 'event device in',
          device_id: 'abc',
          event_publish: true,
          event_configure: false,
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    // The one lookup at start (is the configured device the tenant's?) is not per message.
    await tick(20);
    const atStart = s.lookups;
    let count = 0;
    helper.getNode('h').on('input', () => count++);
    s.deliver('device-data', 'def', data('def', { temperature: 1 }));
    s.deliver('dojot.device-manager.device', 'abc', {
      event: 'configure',
      meta: { service: 'admin' },
      data: { id: 'abc', attrs: { on: true } },
    });
    await tick(50);
    assert.equal(count, 0);
    assert.equal(s.lookups, atStart);
  });

  it('marks a device id the tenant does not have with a red status, and clears it once that device publishes', async () => {
    for (const [type, field] of [
      ['event-device-in', 'device_id'],
      ['device-in', '_device_id'],
    ]) {
      await load(
        [type],
        [
          { id: 'n', type: type.replace(/-/g, ' '), [field]: 'zzz', event_publish: true, wires: [['h']] },
          { id: 'h', type: 'helper' },
        ],
        s,
      );
      const node = helper.getNode('n');
      // The helper spies on every node's status(): this node's calls, from the start.
      const statuses = (): any[] =>
        node.status
          .getCalls()
          .filter((c: any) => c.thisValue === node)
          .map((c: any) => c.args[0]);
      const deadline = Date.now() + 3000;
      while (!statuses().length && Date.now() < deadline) await tick(20);
      assert.deepEqual(statuses()[0], { fill: 'red', shape: 'ring', text: `${type}.status.unknown-device` }, type);
      // Known ids get no such mark.
      s.devices.set('zzz', device('zzz', [1]));
      const got = nextMessage(helper.getNode('h'));
      s.deliver('device-data', 'zzz', data('zzz', { t: 1 }));
      await got;
      assert.deepEqual(statuses().at(-1), {}, type);
      s.devices.delete('zzz');
      await helper.unload();
    }
  });

  it('fires on configure events when event_configure is checked', async () => {
    await load(
      ['event-device-in'],
      [
        {
          id: 'n',
          type: 'event device in',
          device_id: 'abc',
          event_publish: false,
          event_configure: true,
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const got = nextMessage(helper.getNode('h'));
    s.deliver('dojot.device-manager.device', 'abc', {
      event: 'configure',
      meta: { service: 'admin', timestamp: 5 },
      data: { id: 'abc', attrs: { on: true } },
    });
    const msg = await got;
    assert.equal(msg.payload.event, 'configure');
    assert.deepEqual(msg.payload.data.attrs, { room: 'kitchen', on: true });
    assert.equal(msg.payload.metadata.tenant, 'admin');
  });

  it("keeps the order of one device's messages", async () => {
    await load(
      ['event-device-in'],
      [
        { id: 'n', type: 'event device in', device_id: 'abc', event_publish: true, wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const seen: number[] = [];
    helper.getNode('h').on('input', (m: any) => seen.push(m.payload.data.attrs.n));
    for (let n = 0; n < 20; n++) s.deliver('device-data', 'abc', data('abc', { n }));
    await tick(100);
    assert.deepEqual(seen, [...Array(20).keys()]);
  });

  it('fires event template in for every device of the template, and on create with the attrs by label', async () => {
    await load(
      ['event-template-in'],
      [
        {
          id: 'n',
          type: 'event template in',
          template_id: '1',
          event_publish: true,
          event_create: true,
          wires: [['h']],
        },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const msgs: any[] = [];
    helper.getNode('h').on('input', (m: any) => msgs.push(m));
    s.deliver('device-data', 'def', data('def', { t: 1 }));
    s.deliver('device-data', 'abc', data('abc', { t: 2 }));
    s.deliver('dojot.device-manager.device', 'new', {
      event: 'create',
      meta: { service: 'admin' },
      data: {
        id: 'new',
        label: 'x',
        templates: [1],
        attrs: { '1': [{ label: 'temperature', type: 'dynamic', value_type: 'float' }] },
      },
    });
    await tick(50);
    assert.equal(msgs.length, 2);
    assert.equal(msgs[0].payload.data.id, 'abc');
    assert.equal(msgs[1].payload.event, 'create');
    assert.equal(msgs[1].payload.data.attrs.temperature.value_type, 'float');
  });

  it('emits only the attributes from the deprecated device in and device template in', async () => {
    await load(
      ['device-in', 'device-template-in'],
      [
        { id: 'a', type: 'device in', _device_id: 'abc', wires: [['h']] },
        { id: 'b', type: 'device template in', device_template_id: '2', wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    const msgs: any[] = [];
    helper.getNode('h').on('input', (m: any) => msgs.push(m.payload));
    s.deliver('device-data', 'abc', data('abc', { t: 1 }));
    s.deliver('device-data', 'def', data('def', { t: 2 }));
    await tick(50);
    assert.deepEqual(msgs, [{ room: 'kitchen', t: 1 }, { t: 2 }]);
  });

  it('does not start a head node whose device_id is missing, and the runtime keeps running', async () => {
    await load(
      ['event-device-in'],
      [
        { id: 'n', type: 'event device in', device_id: '', wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    assert.equal(s.listeners('device-data'), 0);
    assert.match(String(helper.getNode('n').error.firstCall.args[0]), /device_id/);
  });

  it('stops listening to the bus when the flow stops', async () => {
    await load(
      ['event-device-in'],
      [{ id: 'n', type: 'event device in', device_id: 'abc', event_publish: true, wires: [] }],
      s,
    );
    assert.equal(s.listeners('device-data'), 1);
    await helper.unload();
    assert.equal(s.listeners('device-data'), 0);
  });

  it('skips malformed bus messages', async () => {
    await load(
      ['event-device-in'],
      [
        { id: 'n', type: 'event device in', device_id: 'abc', event_publish: true, wires: [['h']] },
        { id: 'h', type: 'helper' },
      ],
      s,
    );
    let count = 0;
    helper.getNode('h').on('input', () => count++);
    s.deliver('device-data', 'abc', 'not json');
    s.deliver('device-data', 'abc', { metadata: { deviceid: 'abc' } });
    await tick(50);
    assert.equal(count, 0);
  });
});

describe('dojot output nodes', () => {
  let s: StubServices;
  beforeEach(() => {
    s = new StubServices();
  });
  afterEach(async () => {
    await helper.unload();
  });

  const run = async (def: Record<string, unknown>, msg: Record<string, unknown>) => {
    const type = String(def.type);
    await load([type.replace(/ /g, '-')], [{ id: 'n', wires: [], ...def }], s);
    const n = helper.getNode('n');
    const done = new Promise<any>((resolve) => n.on('call:error', (c: any) => resolve(c.args[0])));
    n.receive(msg);
    return Promise.race([done, tick(100).then(() => null)]);
  };

  it('multi device out publishes device-data for the device that started the flow', async () => {
    await run(
      { type: 'multi device out', device_source: 'self', attrs: 'payload.out' },
      { payload: { out: { severity: 1 } }, _dojot: { originator: 'abc' } },
    );
    assert.equal(s.published.length, 1);
    const p = s.published[0];
    assert.equal(p.subject, 'device-data');
    assert.equal(p.key, 'abc');
    assert.deepEqual(p.value.attrs, { severity: 1 });
    assert.equal(p.value.metadata.deviceid, 'abc');
    assert.equal(p.value.metadata.tenant, 'admin');
    assert.equal(typeof p.value.metadata.timestamp, 'number');
  });

  it('multi device out publishes for configured devices and for ids read from the message', async () => {
    await run(
      {
        type: 'multi device out',
        device_source: 'configured',
        devices_source_configured: ['v1', 'v2'],
        attrs: 'msg.payload',
      },
      { payload: { a: 1 } },
    );
    assert.deepEqual(
      s.published.map((p) => p.key),
      ['v1', 'v2'],
    );
    await helper.unload();
    s.published = [];
    await run(
      { type: 'multi device out', device_source: 'dynamic', devices_source_dynamic: 'ids', attrs: 'payload' },
      { ids: ['x', 'y'], payload: { a: 1 } },
    );
    assert.deepEqual(
      s.published.map((p) => p.key),
      ['x', 'y'],
    );
  });

  it("multi actuate publishes configure events in dojot's shape", async () => {
    await run(
      { type: 'multi actuate', device_source: 'configured', devices_source_configured: ['abc'], attrs: 'payload' },
      { payload: { led: true } },
    );
    assert.equal(s.published[0].subject, 'dojot.device-manager.device');
    assert.deepEqual(s.published[0].value.data, { attrs: { led: true }, id: 'abc' });
    assert.equal(s.published[0].value.event, 'configure');
    assert.equal(s.published[0].value.meta.service, 'admin');
  });

  it('reports a message without the attributes object to catch nodes and publishes nothing', async () => {
    const err = await run(
      { type: 'multi device out', device_source: 'self', attrs: 'payload.missing' },
      { payload: {}, _dojot: { originator: 'abc' } },
    );
    assert.match(String(err), /payload\.missing/);
    assert.equal(s.published.length, 0);
  });

  it('reports ids of the wrong type', async () => {
    const err = await run(
      { type: 'multi actuate', device_source: 'dynamic', devices_source_dynamic: 'ids', attrs: 'payload' },
      { ids: [1, 2], payload: {} },
    );
    assert.match(String(err), /ids/);
    assert.equal(s.published.length, 0);
  });

  it('names the bad field of a config and drops its messages', async () => {
    const err = await run(
      { type: 'multi device out', device_source: 'configured', devices_source_configured: [], attrs: 'payload' },
      { payload: {} },
    );
    assert.match(String(err), /devices_source_configured/);
    assert.equal(s.published.length, 0);
  });

  it('runs the deprecated device out and actuate', async () => {
    await run(
      { type: 'device out', device_source: 'configured', _device_id: 'abc', attrs: 'payload' },
      { payload: { a: 1 } },
    );
    await helper.unload();
    await run(
      { type: 'actuate', device_source: 'dynamic', device_source_msg: 'payload.dev', attrs: 'payload.attrs' },
      { payload: { dev: 'def', attrs: { led: 1 } } },
    );
    assert.deepEqual(
      s.published.map((p) => [p.subject, p.key]),
      [
        ['device-data', 'abc'],
        ['dojot.device-manager.device', 'def'],
      ],
    );
    assert.equal(s.published[1].value.meta.deviceid, 'def');
  });
});

describe('head and output node configs', () => {
  const require = createRequire(import.meta.url);
  const eventTemplate =
    require('../../nodes/event-template-in/config.js') as typeof import('../../nodes/event-template-in/config.js');
  const eventDevice =
    require('../../nodes/event-device-in/config.js') as typeof import('../../nodes/event-device-in/config.js');
  const multiOut =
    require('../../nodes/multi-device-out/config.js') as typeof import('../../nodes/multi-device-out/config.js');
  const deviceOut = require('../../nodes/device-out/config.js') as typeof import('../../nodes/device-out/config.js');

  it('reads the event checkboxes as dojot exported them (booleans or "true"/"false") with publish on by default', () => {
    const c = eventTemplate.parse({ template_id: 7, event_create: 'true', event_publish: 'false' });
    assert.deepEqual([...c.events].sort(), ['create']);
    assert.deepEqual([...eventTemplate.parse({ template_id: '7' }).events], ['publish']);
    assert.deepEqual(eventDevice.parse({ device_id: ' abc ' }), { deviceId: 'abc', publish: true, configure: false });
  });

  it('names the bad field of a head or output config', () => {
    assert.throws(() => eventTemplate.parse({ template_id: 'kitchen' }), /template_id: must be a template id/);
    assert.throws(() => eventTemplate.parse({}), /template_id: is required/);
    assert.throws(
      () => multiOut.parse({ device_source: 'all', attrs: 'payload' }),
      /device_source: must be one of self, configured, dynamic/,
    );
    assert.throws(
      () => multiOut.parse({ device_source: 'dynamic', attrs: 'payload' }),
      /devices_source_dynamic: is required/,
    );
    assert.throws(() => multiOut.parse({ device_source: 'self' }), /attrs: is required/);
    assert.throws(() => deviceOut.parse({ device_source: 'configured', attrs: 'payload' }), /_device_id: is required/);
    assert.deepEqual(
      multiOut.parse({ device_source: 'configured', devices_source_configured: 'a, b', attrs: 'msg.payload' })
        .configured,
      ['a', 'b'],
    );
  });
});
