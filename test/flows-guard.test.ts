// A flow naming a node type the tenant is not offered is refused with 400 naming the type, over
// REST and from the editor's deploy, and the tenant's other flows keep running; every /flows/
// route has a body limit, answered with 413 naming it.
import assert from 'node:assert/strict';
import http from 'node:http';
import { eventually } from './helpers/mqtt.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const RUNTIME_MS = 60_000;
const LIMIT = 200_000;

const pingFlow = {
  name: 'ping',
  flow: [
    { id: 'ping-in', type: 'http in', url: '/ping', method: 'get', wires: [['ping-fn']] },
    { id: 'ping-fn', type: 'function', func: 'msg.payload = "pong"; return msg;', wires: [['ping-out']] },
    { id: 'ping-out', type: 'http response', wires: [] },
  ],
};

describe('flows: node types and body limits', function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let jwt: string;
  let pingId: string;

  before(async () => {
    p = await startTestPlatform({ DOJOT_FLOWS_BODY_LIMIT: String(LIMIT) });
    jwt = await p.login();
    const created = await p.api(jwt, 'POST', '/flows/v1/flow', pingFlow);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    pingId = created.body.flow.id;
    const pong = await eventually(
      () => p.api(jwt, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
    assert.equal(pong.body, 'pong');
  });
  after(async () => p?.close());

  const stillRunning = async () => {
    const pong = await p.api(jwt, 'GET', '/flows/api/ping');
    assert.deepEqual([pong.status, pong.body], [200, 'pong'], "the tenant's other flows keep running");
  };

  /** A raw request to the editor's admin API through the platform (chunked when `chunked`). */
  const editor = (method: string, path: string, body: string, opts: { chunked?: boolean } = {}) =>
    new Promise<{ status: number; body: any }>((resolve) => {
      const headers: Record<string, string | number> = {
        authorization: `Bearer ${jwt}`,
        'content-type': 'application/json',
        'node-red-deployment-type': 'full',
      };
      if (!opts.chunked) headers['content-length'] = Buffer.byteLength(body);
      const req = http.request(`${p.httpUrl}${path}`, { method, headers, agent: false }, (res) => {
        // A chunked body cut off by the platform may end in a reset after the answer.
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text }));
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('error', (err) => resolve({ status: 0, body: String(err) }));
      if (opts.chunked) {
        // Written in pieces with no length announced: the limit must be counted on the way.
        const step = 64 * 1024;
        for (let i = 0; i < body.length; i += step) req.write(body.slice(i, i + step));
        req.end();
      } else req.end(body);
    });

  it('refuses over REST a flow naming an excluded or unknown node type, naming it', async () => {
    for (const type of ['exec', 'no-such-node']) {
      const res = await p.api(jwt, 'POST', '/flows/v1/flow', { name: 'bad', flow: [{ id: 'x1', type, wires: [] }] });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.code, 'FLOWS_UNKNOWN_TYPE');
      assert.match(res.body.error, new RegExp(`"${type}"`));
    }
    const put = await p.api(jwt, 'PUT', `/flows/v1/flow/${pingId}`, {
      flow: [...pingFlow.flow, { id: 'x2', type: 'exec', wires: [] }],
    });
    assert.equal(put.status, 400);
    assert.match(put.body.error, /"exec"/);
    const flows = (await p.api(jwt, 'GET', '/flows/v1/flow')).body.flows;
    assert.deepEqual(
      flows.map((f: { name: string }) => f.name),
      ['ping'],
      'nothing stored',
    );
    assert.equal(flows[0].flow.length, 3);
    await stillRunning();
  });

  it('takes a flow using a subflow it defines, and the dojot and core types', async () => {
    const res = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'with-subflow',
      flow: [
        { id: 'sf1', type: 'subflow', name: 's', in: [], out: [] },
        { id: 'sfi', type: 'subflow:sf1', wires: [] },
        { id: 'c1', type: 'change', rules: [], wires: [] },
        { id: 'cm', type: 'comment', name: 'note', wires: [] },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const orphan = await p.api(jwt, 'POST', '/flows/v1/flow', {
      name: 'orphan',
      flow: [{ id: 'o1', type: 'subflow:nowhere', wires: [] }],
    });
    assert.equal(orphan.status, 400);
    assert.match(orphan.body.error, /subflow:nowhere/);
    // The accepted flow restarts the tenant's flows: the next test starts once they run again.
    await eventually(
      () => p.api(jwt, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
  });

  it("refuses the editor's deploy of a flow naming a type the tenant is not offered, naming it", async () => {
    const current = await editor('GET', '/flows/flows', '');
    assert.equal(current.status, 200, JSON.stringify(current.body));
    const nodes = Array.isArray(current.body) ? current.body : current.body.flows;
    const res = await editor(
      'POST',
      '/flows/flows',
      JSON.stringify([...nodes, { id: 'ex1', type: 'exec', z: pingId, wires: [] }]),
    );
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error, /"exec"/);
    await stillRunning();
    const same = await editor('POST', '/flows/flows', JSON.stringify(nodes));
    assert.ok(
      same.status === 200 || same.status === 204,
      `a deploy of offered types goes through: ${same.status} ${JSON.stringify(same.body)}`,
    );
    await eventually(
      () => p.api(jwt, 'GET', '/flows/api/ping'),
      (r) => r.status === 200,
      RUNTIME_MS,
    );
  });

  it('answers a body over the limit with 413 naming it, on the API and the editor, announced or not', async () => {
    const big = JSON.stringify({ name: 'big', flow: [{ id: 'b1', type: 'comment', info: 'x'.repeat(LIMIT) }] });
    const api = await p.api(jwt, 'POST', '/flows/v1/flow', big);
    assert.equal(api.status, 413, JSON.stringify(api.body).slice(0, 200));
    assert.match(api.body.error, new RegExp(`larger than ${LIMIT} bytes`));
    const deploy = await editor(
      'POST',
      '/flows/flows',
      JSON.stringify([{ id: 'b1', type: 'comment', info: 'x'.repeat(LIMIT) }]),
    );
    assert.equal(deploy.status, 413, JSON.stringify(deploy.body));
    assert.match(deploy.body.error, new RegExp(`larger than ${LIMIT} bytes`));
    const chunked = await editor(
      'POST',
      '/flows/flows',
      JSON.stringify([{ id: 'b1', type: 'comment', info: 'x'.repeat(LIMIT * 2) }]),
      { chunked: true },
    );
    assert.ok(chunked.status === 413 || chunked.status === 0, `chunked: ${chunked.status}`);
    const other = await editor('PUT', '/flows/nodes/node-red', 'x'.repeat(LIMIT + 1));
    assert.equal(other.status, 413, JSON.stringify(other.body));
    await stillRunning();
  });
});
