// The revision history of a tenant's flows: every REST write and editor deploy is a revision with
// its author and what changed; any revision can be restored, and the runtime runs it.
import assert from 'node:assert/strict';
import { eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

/** Longest wait for a tenant runtime (a Node-RED process) to serve, ms. */
const RUNTIME_MS = 60_000;

/** A flow answering GET /flows/api/version with `version`. */
const versionFlow = (version: string) => ({
  name: 'versioned',
  flow: [
    { id: 'h', type: 'http in', url: '/version', method: 'get', wires: [['f']] },
    { id: 'f', type: 'function', func: `msg.payload = "${version}"; return msg;`, wires: [['r']] },
    { id: 'r', type: 'http response', wires: [] },
  ],
});

describe('revisions of the flows', function () {
  this.timeout(120_000);
  let p: TestPlatform;
  let admin: string;
  let flowId: string;

  const revisions = async (token = admin) => (await p.api(token, 'GET', '/flows/v1/revisions')).body.revisions as any[];
  const served = () => p.api(admin, 'GET', '/flows/api/version');

  before(async () => {
    p = await startTestPlatform({ DOJOT_FLOWS_REVISIONS_KEPT: '4' });
    admin = await p.login();
  });
  after(async () => p?.close());

  it('records each REST write with its author and what it changed, newest first', async () => {
    const made = await p.api(admin, 'POST', '/flows/v1/flow', versionFlow('v1'));
    assert.equal(made.status, 200);
    flowId = made.body.flow.id;
    await eventually(served, (r) => r.body === 'v1', RUNTIME_MS);
    assert.equal((await p.api(admin, 'PUT', `/flows/v1/flow/${flowId}`, versionFlow('v2'))).status, 200);
    await eventually(served, (r) => r.body === 'v2', RUNTIME_MS);

    const [second, first] = await revisions();
    assert.deepEqual(
      [first.via, first.author, first.summary.added, first.summary.flows, first.summary.nodes],
      ['api', 'admin', 4, 1, 3],
    );
    assert.deepEqual(
      [second.via, second.summary.changed, second.summary.added, second.summary.removed, second.summary.touched],
      ['api', 1, 0, 0, ['versioned']],
    );
    assert.ok(second.id > first.id && second.created >= first.created);

    // A write that changes nothing adds no revision.
    assert.equal((await p.api(admin, 'PUT', `/flows/v1/flow/${flowId}`, { name: 'versioned' })).status, 200);
    assert.equal((await revisions()).length, 2);

    const detail = await p.api(admin, 'GET', `/flows/v1/revisions/${second.id}`);
    assert.equal(detail.status, 200);
    assert.deepEqual(
      detail.body.changes.changed.map((c: any) => [c.id, c.before.func, c.after.func]),
      [['f', 'msg.payload = "v1"; return msg;', 'msg.payload = "v2"; return msg;']],
    );
    assert.ok(detail.body.flow.some((n: any) => n.id === flowId && n.type === 'tab'));
  });

  it('restores a revision as a new one, and the runtime runs it', async () => {
    const [, first] = await revisions();
    const restored = await p.api(admin, 'POST', `/flows/v1/revisions/${first.id}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.deepEqual(
      [restored.body.revision.via, restored.body.revision.restoredFrom, restored.body.revision.summary.changed],
      ['restore', first.id, 1],
    );
    await eventually(served, (r) => r.body === 'v1', RUNTIME_MS);
    const flow = await p.api(admin, 'GET', `/flows/v1/flow/${flowId}`);
    assert.equal(flow.body.flow.flow.find((n: any) => n.id === 'f').func, 'msg.payload = "v1"; return msg;');
  });

  it('records an editor deploy with the user who deployed, and keeps only the newest revisions', async () => {
    const config = (await p.api(admin, 'GET', '/flows/flows')).body as any[];
    const edited = config.map((n) => (n.id === 'f' ? { ...n, func: 'msg.payload = "v3"; return msg;' } : n));
    const deploy = await p.api(admin, 'POST', '/flows/flows', edited);
    assert.ok([200, 204].includes(deploy.status), JSON.stringify(deploy.body));
    await eventually(served, (r) => r.body === 'v3', RUNTIME_MS);
    const [newest] = await revisions();
    assert.deepEqual([newest.via, newest.author, newest.summary.changed], ['editor', 'admin', 1]);
    // A fifth revision: DOJOT_FLOWS_REVISIONS_KEPT=4 keeps the newest four.
    await p.api(admin, 'POST', '/flows/v1/flow', { name: 'another', flow: [{ id: 'c1', type: 'comment', name: 'x' }] });
    const kept = await revisions();
    assert.equal(kept.length, 4);
    assert.equal(kept[0].summary.touched[0], 'another');
  });

  it('keeps each tenant to its own revisions, and names a bad id or limit', async () => {
    const bob = await p.api(admin, 'POST', '/auth/user', {
      username: 'rev_bob',
      service: 'revbeta',
      email: 'rb@example.com',
      name: 'Bob',
      profile: 'admin',
      passwd: 'bobpass1',
    });
    assert.equal(bob.status, 200, JSON.stringify(bob.body));
    const b = await p.login('rev_bob', 'bobpass1');
    const [mine] = await revisions();
    assert.deepEqual(await revisions(b), []);
    assert.equal((await p.api(b, 'GET', `/flows/v1/revisions/${mine.id}`)).status, 404);
    assert.equal((await p.api(b, 'POST', `/flows/v1/revisions/${mine.id}/restore`)).status, 404);
    const bad = await p.api(admin, 'GET', '/flows/v1/revisions/abc');
    assert.deepEqual([bad.status, bad.body.code], [404, 'FLOWS_UNKNOWN_REVISION']);
    const limit = await p.api(admin, 'GET', '/flows/v1/revisions?limit=0');
    assert.equal(limit.status, 400);
    assert.match(limit.body.error, /limit/);
  });
});
