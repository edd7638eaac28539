import assert from 'node:assert/strict';
import { closed, connackCode, connect, eventually, FakeDevices, startAgent, type RunningAgent } from './testing.js';

describe('mqtt-agent: CONNECT', () => {
  const devices = new FakeDevices().add('acme', 'a1b2c3').add('acme', 'd4e5f6').add('other', 'cafe01');
  let run: RunningAgent;
  before(async () => (run = await startAgent(devices)));
  after(() => run.close());
  afterEach(() => (devices.failing = false));

  it('accepts a device named by its username <tenant>:<device>', async () => {
    const c = await connect(run.port, { username: 'acme:a1b2c3' });
    assert.equal(c.connected, true);
    await c.endAsync();
  });

  it('accepts a legacy device named by its client id when the username is not <tenant>:<device>', async () => {
    const c = await connect(run.port, { clientId: 'acme:d4e5f6' });
    assert.equal(c.connected, true);
    await c.endAsync();
  });

  it('refuses an unknown device with CONNACK 5 (not authorized)', async () => {
    assert.equal(await connackCode(run.port, { username: 'acme:ffffff' }), 5);
  });

  it('refuses a device of another tenant with CONNACK 5', async () => {
    assert.equal(await connackCode(run.port, { username: 'acme:cafe01' }), 5);
    assert.equal(await connackCode(run.port, { username: 'other:a1b2c3' }), 5);
  });

  it('refuses a malformed name with CONNACK 4 (bad user name or password)', async () => {
    for (const username of ['acme', 'acme:', ':a1b2c3', 'acme:a1/b2', 'ACME:a1b2c3', 'acme:a1b2c3:x']) {
      assert.equal(await connackCode(run.port, { username, clientId: 'some-client' }), 4, username);
    }
    assert.equal(await connackCode(run.port, { clientId: 'not-a-device' }), 4);
  });

  it('answers CONNACK 3 (server unavailable) when the device lookup fails', async () => {
    devices.failing = true;
    assert.equal(await connackCode(run.port, { username: 'acme:a1b2c3' }), 3);
  });

  it('counts refused connections', async () => {
    const before = run.agent.counters().connectsRefused;
    await connackCode(run.port, { username: 'acme:ffffff' });
    assert.equal(run.agent.counters().connectsRefused, before + 1);
  });

  it("keeps devices that use the same client id from taking over each other's session", async () => {
    const a = await connect(run.port, { username: 'acme:a1b2c3', clientId: 'sensor' });
    const b = await connect(run.port, { username: 'other:cafe01', clientId: 'sensor' });
    let aClosed = false;
    void closed(a).then(() => (aClosed = true));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(aClosed, false, 'a CONNECT of another tenant must not end this session [MQTT-3.1.4-2]');
    await Promise.all([a.endAsync(), b.endAsync()]);
  });

  it('reports the connected clients', async () => {
    const a = await connect(run.port, { username: 'acme:a1b2c3' });
    const c = await connect(run.port, { username: 'acme:d4e5f6' });
    await eventually(() => assert.equal(run.agent.counters().connected, 2));
    await Promise.all([a.endAsync(), c.endAsync()]);
    await eventually(() => assert.equal(run.agent.counters().connected, 0));
  });
});
