import assert from 'node:assert/strict';
import { CROSS_TENANT_SCOPES, PLATFORM_TENANT, isPermitted, scopeOf } from './permissions.js';

describe('permissions', () => {
  it('lets an admin do everything', () => {
    assert.ok(isPermitted('admin', 'DELETE', '/auth/user/3'));
    assert.ok(isPermitted('admin', 'GET', '/device?page_size=1'));
  });

  it('gives a user dojot\'s user-group rights', () => {
    assert.ok(isPermitted('user', 'POST', '/device'));
    assert.ok(isPermitted('user', 'PUT', '/template/1'));
    assert.ok(isPermitted('user', 'GET', '/history/device/ab12/history?lastN=1'));
    assert.ok(!isPermitted('user', 'DELETE', '/history/device/ab12/history'));
    assert.ok(!isPermitted('user', 'GET', '/auth/user'));
    assert.ok(!isPermitted('user', 'POST', '/auth/user'));
    assert.ok(!isPermitted('user', 'GET', '/auth/admin/tenants'));
  });

  it('denies an unknown profile', () => {
    assert.ok(!isPermitted('root', 'GET', '/device'));
  });

  describe('cross-tenant listings', () => {
    it('has a row for the runtime reports, and every row is tested below', () => {
      assert.deepEqual(Object.keys(CROSS_TENANT_SCOPES), ['runtimeReports']);
    });

    it('shows the platform operator (an admin of the platform tenant) every tenant\'s runtimes', () => {
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
