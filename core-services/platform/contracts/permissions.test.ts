import assert from 'node:assert/strict';
import {
  CROSS_TENANT_SCOPES,
  PLATFORM_TENANT,
  compileRule,
  decide,
  resourceOf,
  scopeOf,
  type PermissionRule,
} from './permissions.js';

const rules = (...r: PermissionRule[]) => r.map(compileRule);
const allAll: PermissionRule = { path: '/(.*)', method: '(.*)', permission: 'permit' };
const roDevice: PermissionRule = { path: '/device/(.*)', method: 'GET', permission: 'permit' };

describe('permission decisions', () => {
  it("asks about the path without its query, ending with a slash, as dojot's gateway did", () => {
    assert.equal(resourceOf('/device?page_size=1'), '/device/');
    assert.equal(resourceOf('/device/ab12/'), '/device/ab12/');
  });

  it('permits what a matching permit names and denies everything else', () => {
    const r = rules(roDevice);
    assert.equal(decide(r, 'GET', '/device'), 'permit');
    assert.equal(decide(r, 'GET', '/device/ab12?x=1'), 'permit');
    assert.equal(decide(r, 'POST', '/device'), 'deny');
    assert.equal(decide(r, 'GET', '/devices'), 'deny');
    assert.equal(decide(r, 'GET', '/template'), 'deny');
    assert.equal(decide([], 'GET', '/device'), 'deny');
  });

  it('denies when any matching permission is a deny, whichever comes first', () => {
    const deny: PermissionRule = { path: '/template/(.*)', method: 'DELETE', permission: 'deny' };
    assert.equal(decide(rules(allAll, deny), 'DELETE', '/template/3'), 'deny');
    assert.equal(decide(rules(deny, allAll), 'DELETE', '/template/3'), 'deny');
    assert.equal(decide(rules(allAll, deny), 'GET', '/template/3'), 'permit');
  });

  it('matches method regexes as a prefix, as dojot did', () => {
    const r = rules({ path: '/cron/(.*)', method: 'POST|PUT', permission: 'permit' });
    assert.equal(decide(r, 'PUT', '/cron/v1/jobs/1'), 'permit');
    assert.equal(decide(r, 'GET', '/cron/v1/jobs'), 'deny');
  });

  describe('cross-tenant listings', () => {
    it('has a row for the runtime reports, and every row is tested below', () => {
      assert.deepEqual(Object.keys(CROSS_TENANT_SCOPES), ['runtimeReports']);
    });

    it("shows the platform operator (an admin of the platform tenant) every tenant's runtimes", () => {
      assert.equal(scopeOf('runtimeReports', { tenant: PLATFORM_TENANT, profile: 'admin' }), 'all');
    });

    it("shows another tenant's admin only that tenant's runtimes", () => {
      assert.equal(scopeOf('runtimeReports', { tenant: 'acme', profile: 'admin' }), 'tenant');
    });

    it('shows a user no runtimes, in the platform tenant too', () => {
      assert.equal(scopeOf('runtimeReports', { tenant: 'acme', profile: 'user' }), 'none');
      assert.equal(scopeOf('runtimeReports', { tenant: PLATFORM_TENANT, profile: 'user' }), 'none');
    });
  });
});
