// The agent with the Mosquitto command-line clients: a second, independent MQTT implementation.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { DeviceDataMessage } from '../platform/contracts/messages.js';
import { SUBJECTS, topicOf } from '../platform/contracts/topics.js';
import { Collector, FakeDevices, sleep, startAgent, type RunningAgent } from './testing.js';

function run(
  cmd: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('mqtt-agent: with mosquitto_pub and mosquitto_sub', () => {
  const devices = new FakeDevices().add('acme', 'a1b2c3');
  let agent: RunningAgent;
  before(async () => (agent = await startAgent(devices)));
  after(() => agent.close());

  it('forwards a mosquitto_pub QoS 1 message to device-data', async () => {
    const data = await Collector.on(agent.bus, 'acme.device-data');
    const res = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(agent.port),
      '-V',
      'mqttv311',
      '-u',
      'acme:a1b2c3',
      '-q',
      '1',
      '-t',
      'acme:a1b2c3/attrs',
      '-m',
      '{"temp":19.5}',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const [msg] = await data.waitFor(1);
    assert.deepEqual((msg.value as DeviceDataMessage).attrs, { temp: 19.5 });
  });

  it('refuses mosquitto_pub for a device that does not exist', async () => {
    const res = await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(agent.port),
      '-V',
      'mqttv311',
      '-u',
      'acme:ffffff',
      '-q',
      '1',
      '-t',
      'acme:ffffff/attrs',
      '-m',
      '{}',
    ]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not authori[sz]ed/i);
  });

  it('delivers a configure event to mosquitto_sub on the legacy config topic', async () => {
    const sub = run('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(agent.port),
      '-V',
      'mqttv311',
      '-i',
      'acme:a1b2c3',
      '-q',
      '1',
      '-t',
      '/acme/a1b2c3/config',
      '-C',
      '1',
      '-W',
      '8',
    ]);
    // Publish until the subscriber is in place (it prints and exits on the first message).
    let done = false;
    void sub.then(() => (done = true));
    for (let i = 0; i < 80 && !done; i++) {
      await agent.bus.publish(topicOf('acme', SUBJECTS.deviceManager), 'a1b2c3', {
        event: 'configure',
        meta: { service: 'acme' },
        data: { id: 'a1b2c3', attrs: { fan: 2 } },
      });
      await sleep(100); // publish again until mosquitto_sub, subscribing meanwhile, has one
    }
    const res = await sub;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), '{"fan":2}');
  });
});
