import assert from 'node:assert/strict';
import { createLogger } from '../platform/log.js';
import { DeviceDirectory } from './directory.js';
import { newDeviceIds } from './device-ids.js';
import { freshTenant, startHarness, templateBody, type Harness } from './test-harness.js';

describe('device-manager client', () => {
  let h: Harness;
  let tenant: string;
  const create = async (label: string) =>
    (await h.call(tenant, 'POST', '/device', { label })).body.devices[0].id as string;

  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  beforeEach(() => {
    tenant = freshTenant();
  });

  it('knows a device exists from the moment its creation is answered until its removal', async () => {
    assert.equal(await h.client.deviceExists(tenant, 'abcde'), false, 'reads the tenant first');
    const id = await create('d');
    assert.equal(await h.client.deviceExists(tenant, id), true);
    assert.equal(await h.client.deviceExists(freshTenant(), id), false, 'another tenant never has it');
    await h.call(tenant, 'DELETE', `/device/${id}`);
    assert.equal(await h.client.deviceExists(tenant, id), false);
    const [x, y] = [await create('x'), await create('y')];
    await h.call(tenant, 'DELETE', '/device');
    assert.deepEqual([await h.client.deviceExists(tenant, x), await h.client.deviceExists(tenant, y)], [false, false]);
  });

  it('finds devices created before it was first asked', async () => {
    const id = await create('early');
    const other = new DeviceDirectory(h.store, h.bus, createLogger('silent'));
    assert.equal(await other.deviceExists(tenant, id), true);
  });

  it("returns the full device, or null for an unknown or another tenant's id", async () => {
    const t = (await h.call(tenant, 'POST', '/template', templateBody('t', 'a:dynamic:float'))).body.template;
    const id = (await h.call(tenant, 'POST', '/device', { label: 'd', templates: [t.id] })).body.devices[0].id;
    const full = await h.client.getDevice(tenant, id);
    assert.deepEqual(full, (await h.call(tenant, 'GET', `/device/${id}`)).body);
    assert.equal(await h.client.getDevice(tenant, 'fffffff'), null);
    assert.equal(await h.client.getDevice(freshTenant(), id), null);
  });

  it("learns of another instance's creations and removals from the bus", async () => {
    // A second instance on the same store and bus, already holding this tenant's ids.
    const peer = new DeviceDirectory(h.store, h.bus, createLogger('silent'), 'peer');
    await peer.start();
    try {
      assert.equal(await peer.deviceExists(tenant, 'aaaaa'), false);
      const id = await create('d');
      await h.settle();
      assert.equal(await peer.deviceExists(tenant, id), true);
      await h.call(tenant, 'DELETE', `/device/${id}`);
      await h.settle();
      assert.equal(await peer.deviceExists(tenant, id), false);
    } finally {
      await peer.close();
    }
  });

  it('ignores malformed device events without stopping', async () => {
    const peer = new DeviceDirectory(h.store, h.bus, createLogger('silent'), 'peer2');
    await peer.start();
    try {
      await peer.deviceExists(tenant, 'x');
      const topic = `${tenant}.dojot.device-manager.device`;
      await h.bus.publish(topic, null, 'not json');
      await h.bus.publish(topic, null, { event: 'create' });
      await h.bus.publish(
        topic,
        'abc12',
        JSON.stringify({ event: 'create', meta: { service: tenant }, data: { id: 'abc12' } }),
      );
      await h.settle();
      assert.equal(await peer.deviceExists(tenant, 'abc12'), true, 'a JSON string value is understood');
    } finally {
      await peer.close();
    }
  });

  it('draws device ids again when they are taken, and gives up after ten draws', async () => {
    const id = await create('taken');
    const seq = [id, id, 'bbbbb', 'ccccc'];
    const ids = await newDeviceIds(h.store, tenant, 2, () => seq.shift()!);
    assert.deepEqual(ids.sort(), ['bbbbb', 'ccccc']);
    await assert.rejects(
      newDeviceIds(h.store, tenant, 1, () => id),
      /Failed to generate unique device_id/,
    );
  });

  it("answers 500 with dojot's message when no free device id can be drawn", async () => {
    const stuck = await startHarness({ drawId: () => 'abcde' });
    try {
      assert.equal((await stuck.call(tenant, 'POST', '/device', { label: 'one' })).status, 200);
      const res = await stuck.call(tenant, 'POST', '/device', { label: 'two' });
      assert.equal(res.status, 500);
      assert.equal(res.body.message, 'Failed to generate unique device_id');
      assert.equal(res.body.code, 'DM_ID_EXHAUSTED');
    } finally {
      await stuck.close();
    }
  });
});
