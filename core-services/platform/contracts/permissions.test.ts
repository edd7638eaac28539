import assert from 'node:assert/strict';
import { isPermitted } from './permissions.js';

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
});
