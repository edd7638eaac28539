// Tenant runtimes follow the tenancy events on dojot-management.dojot.tenancy: a new tenant gets
// its runtime at once (CREATE), a removed tenant's runtime stops (DELETE).
import assert from 'node:assert/strict';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';
import { eventually } from './helpers/mqtt.js';

describe('flow runtimes and tenancy events', function () {
  this.timeout(90_000);
  let p: TestPlatform;
  let admin: string;

  before(async () => {
    p = await startTestPlatform();
    admin = await p.login();
  });
  after(async () => p?.close());

  const gamma = async () =>
    (await p.api(admin, 'GET', '/flows/v1/runtime')).body.runtimes.find((r: any) => r.tenant === 'gamma');

  it('starts a runtime for a tenant created on the platform and stops it when the tenant is deleted', async () => {
    const carol = await p.api(admin, 'POST', '/auth/user', {
      username: 'carol',
      service: 'gamma',
      email: 'carol@example.com',
      name: 'Carol',
      profile: 'user',
      passwd: 'carolpw',
    });
    assert.equal(carol.status, 200, JSON.stringify(carol.body));
    const rt = await eventually(gamma, (r) => r?.state === 'running', 40_000);
    assert.equal(typeof rt.pid, 'number');
    const pid = rt.pid;
    assert.equal((await p.api(admin, 'DELETE', '/auth/user/carol')).status, 200);
    assert.equal(await eventually(gamma, (r) => r === undefined, 15_000), undefined);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(
      await eventually(
        async () => alive(),
        (a) => !a,
        10_000,
      ),
      false,
    );
  });
});
