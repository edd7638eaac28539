import assert from 'node:assert/strict';
import { open } from './psk-seal.js';
import { freshTenant, makeDevice, makeTemplate, startHarness, type Harness } from './test-harness.js';

describe('device-manager pre-shared keys (psk)', () => {
  let h: Harness;
  let tenant: string;
  let dev: string;
  let other: string;

  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());
  beforeEach(async () => {
    tenant = freshTenant('psk');
    const t = await makeTemplate(h, tenant, 'secure', 'key:static:psk', 'spare:static:psk', 'temp:dynamic:float');
    dev = (await makeDevice(h, tenant, { label: 'd1', templates: [t.id] })).id;
    other = (await makeDevice(h, tenant, { label: 'd2', templates: [t.id] })).id;
  });

  const sealedRows = (device: string) =>
    h.store.query<{ attr_id: number; sealed: string }>(
      'SELECT attr_id, sealed FROM dm_psk WHERE tenant = $1 AND device_id = $2 ORDER BY attr_id',
      [tenant, device],
    );

  it('generates a random key of key_length bytes per psk attribute, answered once in hex', async () => {
    const res = await h.call(tenant, 'POST', `/device/gen_psk/${dev}?key_length=16`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.map((r: any) => r.attribute),
      ['key', 'spare'],
    );
    for (const r of res.body) {
      assert.deepEqual(Object.keys(r), ['attribute', 'psk']);
      assert.match(r.psk, /^[0-9a-f]{32}$/);
    }
    assert.notEqual(res.body[0].psk, res.body[1].psk);
    const again = await h.call(tenant, 'POST', `/device/gen_psk/${dev}?key_length=4&attrs=key`);
    assert.deepEqual(
      again.body.map((r: any) => r.attribute),
      ['key'],
    );
    assert.match(again.body[0].psk, /^[0-9a-f]{8}$/);
    const shown = JSON.stringify((await h.call(tenant, 'GET', `/device/${dev}`)).body);
    assert.ok(!shown.includes(again.body[0].psk), 'the device view never shows the key');
    await h.settle();
    const events = h.eventsOf(tenant).filter((e) => e.event === 'update' && e.data.id === dev);
    assert.ok(events.length >= 2, 'an update event per generation, as dojot sent');
    assert.ok(!JSON.stringify(events).includes(again.body[0].psk), 'no event carries the key');
  });

  it('keeps keys sealed at rest, each bound to its tenant, device and attribute', async () => {
    const res = await h.call(tenant, 'POST', `/device/gen_psk/${dev}?key_length=32&attrs=key`);
    const [row] = await sealedRows(dev);
    assert.match(row.sealed, /^v1:/);
    assert.ok(!row.sealed.includes(res.body[0].psk));
    const [{ value }] = await h.store.query<{ value: string }>(
      "SELECT value FROM settings WHERE key = 'device-manager.psk-key'",
    );
    const key = Buffer.from(value, 'base64');
    assert.equal(open(key, { tenant, device: dev, attrId: row.attr_id }, row.sealed).toString('hex'), res.body[0].psk);
    assert.throws(
      () => open(key, { tenant, device: other, attrId: row.attr_id }, row.sealed),
      'moved to another row it does not open',
    );
    assert.throws(
      () => open(Buffer.alloc(32, 1), { tenant, device: dev, attrId: row.attr_id }, row.sealed),
      'another key does not open it',
    );
  });

  it('copies a key to another device of the tenant, answering 204 without the key', async () => {
    const made = await h.call(tenant, 'POST', `/device/gen_psk/${dev}?key_length=8&attrs=key`);
    const res = await h.call(tenant, 'PUT', `/device/${other}/attrs/spare/psk?from_dev_id=${dev}&from_attr_label=key`);
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
    const [{ value }] = await h.store.query<{ value: string }>(
      "SELECT value FROM settings WHERE key = 'device-manager.psk-key'",
    );
    const [row] = await sealedRows(other);
    assert.equal(
      open(Buffer.from(value, 'base64'), { tenant, device: other, attrId: row.attr_id }, row.sealed).toString('hex'),
      made.body[0].psk,
    );
  });

  it("names what is wrong with a request, and never reaches another tenant's devices", async () => {
    await h.call(tenant, 'POST', `/device/gen_psk/${dev}?key_length=8&attrs=key`);
    const cases: [string, string, number, RegExp][] = [
      ['POST', `/device/gen_psk/${dev}`, 400, /key_length: is required/],
      ['POST', `/device/gen_psk/${dev}?key_length=0`, 400, /key_length: must be between 1 and 1024/],
      ['POST', `/device/gen_psk/${dev}?key_length=1025`, 400, /key_length: must be between 1 and 1024/],
      ['POST', `/device/gen_psk/${dev}?key_length=abc`, 400, /key_length: must be an integer/],
      ['POST', `/device/gen_psk/${dev}?key_length=8&attrs=temp`, 400, /temp is not an attribute of value_type psk/],
      ['POST', `/device/gen_psk/${dev}?key_length=8&attrs=nosuch`, 400, /nosuch is not an attribute of value_type psk/],
      ['POST', '/device/gen_psk/ffffff?key_length=8', 404, /No such device/],
      ['PUT', `/device/${other}/attrs/spare/psk`, 400, /Missing mandatory parameter/],
      ['PUT', `/device/${other}/attrs/spare/psk?from_dev_id=${dev}&from_attr_label=spare`, 400, /has no key yet/],
      [
        'PUT',
        `/device/${other}/attrs/temp/psk?from_dev_id=${dev}&from_attr_label=key`,
        400,
        /temp is not an attribute of value_type psk/,
      ],
      ['PUT', `/device/${other}/attrs/spare/psk?from_dev_id=ffffff&from_attr_label=key`, 404, /No such device/],
    ];
    for (const [method, url, status, error] of cases) {
      const res = await h.call(tenant, method, url);
      assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, error, url);
      assert.equal(res.body.status, status, 'dojot\'s {"message", "status"} too');
    }
    const stranger = freshTenant('psk');
    const t = await makeTemplate(h, stranger, 'secure', 'key:static:psk');
    const theirs = (await makeDevice(h, stranger, { label: 'x', templates: [t.id] })).id;
    const stolen = await h.call(
      stranger,
      'PUT',
      `/device/${theirs}/attrs/key/psk?from_dev_id=${dev}&from_attr_label=key`,
    );
    assert.equal(stolen.status, 404, "another tenant's device is unknown");
    const plain = freshTenant('psk');
    const p = await makeTemplate(h, plain, 'plain', 'temp:dynamic:float');
    const none = (await makeDevice(h, plain, { label: 'p', templates: [p.id] })).id;
    assert.match(
      (await h.call(plain, 'POST', `/device/gen_psk/${none}?key_length=8`)).body.error,
      /has no attribute of value_type psk/,
    );
  });
});
