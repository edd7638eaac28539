import assert from 'node:assert/strict';
import { tenantAcls, tenantPrincipal } from './kafka-tenant-access.js';

describe("a tenant runtime's Kafka ACLs", () => {
  it('allow the tenant principal only its own topic prefix and its own group prefix', () => {
    const acls = tenantAcls('b', 'deploy1.');
    assert.ok(acls.every((a) => a.principal === tenantPrincipal('b') && a.principal === 'User:tenant-b'));
    assert.ok(
      acls.every((a) => a.resourcePatternType === 4 && a.permissionType === 3 && a.host === '*'),
      'prefixed ALLOW entries only',
    );
    const by = (type: number) =>
      acls
        .filter((a) => a.resourceType === type)
        .map((a) => `${a.resourceName} ${a.operation}`)
        .sort();
    // TOPIC (2): READ 3, WRITE 4, CREATE 5, DESCRIBE 8; GROUP (3): READ 3, DESCRIBE 8; nothing else.
    assert.deepEqual(by(2), ['b. 3', 'b. 4', 'b. 5', 'b. 8']);
    assert.deepEqual(by(3), ['deploy1.b. 3', 'deploy1.b. 8']);
    assert.equal(acls.length, 6);
  });

  it('refuse a tenant name whose prefix could cover other names (a dot, a comma, empty)', () => {
    for (const bad of ['', 'a.b', 'a,CN=x', 'A', 'a*'])
      assert.throws(() => tenantAcls(bad, ''), /not a tenant name/, bad);
  });
});
