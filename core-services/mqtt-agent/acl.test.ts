import assert from 'node:assert/strict';
import { mayPublish, maySubscribe, parseDeviceName } from './acl.js';

describe('mqtt-agent ACL', () => {
  it('reads <tenant>:<device> into a tenant, a device and its topics', () => {
    const id = parseDeviceName('admin:a1b2c3')!;
    assert.equal(id.tenant, 'admin');
    assert.equal(id.device, 'a1b2c3');
    assert.equal(id.busTopic, 'admin.device-data');
    assert.deepEqual(id.topics, {
      attrs: 'admin:a1b2c3/attrs',
      legacyAttrs: '/admin/a1b2c3/attrs',
      config: 'admin:a1b2c3/config',
      legacyConfig: '/admin/a1b2c3/config',
    });
  });

  it('rejects names that are not exactly <tenant>:<device>', () => {
    for (const name of [
      undefined,
      '',
      'admin',
      'admin:',
      ':dev',
      'admin:dev:x',
      'Admin:dev',
      'admin:de/v',
      'admin:de+v',
      'admin:de#v',
      'ad.min:dev',
      'admin:' + 'x'.repeat(65),
    ]) {
      assert.equal(parseDeviceName(name), null, String(name));
    }
  });

  it('lets a device publish only to its own attrs topic, in either form', () => {
    const id = parseDeviceName('admin:a1b2c3')!;
    assert.equal(mayPublish(id, 'admin:a1b2c3/attrs'), true);
    assert.equal(mayPublish(id, '/admin/a1b2c3/attrs'), true);
    for (const t of [
      'admin:a1b2c3/config',
      'admin:d4e5f6/attrs',
      '/admin/d4e5f6/attrs',
      'other:a1b2c3/attrs',
      'admin:a1b2c3/attrs/',
      '$SYS/x',
    ]) {
      assert.equal(mayPublish(id, t), false, t);
    }
  });

  it('lets a device subscribe only to its own config topic, in either form, without wildcards', () => {
    const id = parseDeviceName('admin:a1b2c3')!;
    assert.equal(maySubscribe(id, 'admin:a1b2c3/config'), true);
    assert.equal(maySubscribe(id, '/admin/a1b2c3/config'), true);
    for (const t of ['admin:a1b2c3/attrs', 'admin:+/config', '#', '/admin/+/config', 'admin:d4e5f6/config']) {
      assert.equal(maySubscribe(id, t), false, t);
    }
  });
});
