// `dojot-red load` against a real platform: a small run is fully acknowledged and stored, its
// JSON report has every figure, actuations reach the devices, and bad flags are refused by name.
import assert from 'node:assert/strict';
import path from 'node:path';
import { projectRoot } from '../core-services/platform/paths.js';
import { run } from './helpers/processes.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

const load = (args: string[]) =>
  run(process.execPath, [path.join(projectRoot(), 'dist', 'bin', 'dojot-red.js'), 'load', ...args], 60_000);

describe('dojot-red load', function () {
  this.timeout(90_000);
  let p: TestPlatform;
  let target: string[];

  before(async () => {
    p = await startTestPlatform();
    target = ['--host', '127.0.0.1', '--port', String(new URL(p.httpUrl).port), '--mqtt-port', String(p.mqttPort)];
  });
  after(async () => p?.close());

  it('runs 20 devices on 2 workers at 200 msg/s for 3 s with every message acknowledged and stored, and actuations delivered', async () => {
    const res = await load([
      ...target,
      '--devices',
      '20',
      '--workers',
      '2',
      '--source-addresses',
      '2',
      '--rate',
      '200',
      '--duration',
      '3',
      '--ramp',
      '0.5',
      '--actuate-rate',
      '10',
      '--settle',
      '15',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout);
    assert.deepEqual(Object.keys(r), [
      'conditions',
      'setup',
      'connect',
      'publish',
      'pubackMs',
      'storedMs',
      'flowMs',
      'loss',
      'actuations',
      'errors',
    ]);
    assert.equal(r.conditions.workers, 2);
    assert.equal(r.conditions.sourceAddresses, 2);
    assert.equal(r.conditions.transport, 'mqtt');
    assert.equal(r.connect.connected, 20);
    assert.ok(r.connect.perSecond > 0);
    assert.equal(r.publish.sent, 600);
    assert.equal(r.publish.acked, 600);
    assert.equal(r.pubackMs.count, 600);
    assert.ok(r.pubackMs.p50 <= r.pubackMs.p99 && r.pubackMs.p99 <= r.pubackMs.max);
    assert.equal(r.storedMs.method, 'history API poll');
    assert.equal(r.flowMs, null, 'publish→flow is sampled only with --flow-latency');
    assert.ok(r.storedMs.count > 0, 'some messages were timed to storage');
    assert.deepEqual(
      { ...r.loss, method: undefined },
      { devicesChecked: 20, sent: 600, acked: 600, stored: 600, lost: 0, method: undefined },
    );
    assert.ok(r.actuations.sent > 0);
    assert.equal(r.actuations.failed, 0);
    assert.equal(r.actuations.delivered, r.actuations.sent);
    assert.equal(r.actuations.lost, 0);
    assert.ok(r.actuations.latencyMs.count === r.actuations.delivered);
    assert.deepEqual(r.errors, {});
    // The live line went to stderr, about once a second.
    assert.match(res.stderr, /connected 20\/20 +\d+ msg\/s +sent \d+ +acked \d+ +errors 0/);
    // The devices and template the run made are gone.
    const jwt = await p.login();
    assert.deepEqual((await p.api(jwt, 'GET', '/template')).body.templates, []);
  });

  it('reports in text, and counts what a QoS 0 run stored', async () => {
    const res = await load([
      ...target,
      '--devices',
      '5',
      '--rate',
      '50',
      '--duration',
      '1',
      '--ramp',
      '0',
      '--qos',
      '0',
      '--payload',
      '{"t": {{randint 1 3}}, "seq": {{seq}}, "who": "{{device}}"}',
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /connect +5\/5 connected \(0 failed\)/);
    assert.match(res.stdout, /publish +50 sent/);
    assert.doesNotMatch(res.stdout, /PUBACK latency/);
    assert.match(
      res.stdout,
      /loss +0 acknowledged but not stored, of 50 acknowledged \(50 sent, 50 stored\) on 5 devices checked/,
    );
  });

  it('connects over MQTTS with a certificate per device from the platform CA', async () => {
    const res = await load([
      '--host',
      '127.0.0.1',
      '--port',
      String(new URL(p.httpUrl).port),
      '--mqtts',
      '--mqtt-port',
      String(p.mqttsPort),
      '--devices',
      '5',
      '--rate',
      '25',
      '--duration',
      '1',
      '--ramp',
      '0',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout);
    assert.equal(r.conditions.transport, 'mqtts');
    assert.ok(r.setup.certificatesSeconds > 0);
    assert.equal(r.connect.connected, 5);
    assert.deepEqual(
      { ...r.loss, method: undefined },
      { devicesChecked: 5, sent: 25, acked: 25, stored: 25, lost: 0, method: undefined },
    );
    assert.deepEqual(r.errors, {});
  });

  it('measures publish→flow with --flow-latency through a flow it deploys and removes', async () => {
    const res = await load([
      ...target,
      '--devices',
      '5',
      '--rate',
      '50',
      '--duration',
      '3',
      '--ramp',
      '0',
      '--payload',
      '{"temperature": {{rand 0 40}}, "sent": {{now}}}',
      '--flow-latency',
      '--settle',
      '20',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout);
    assert.match(r.flowMs.method, /the flow's clock minus the send time in "sent"/);
    // The runtime starts with the flow: the first messages may pass before it listens.
    assert.ok(r.flowMs.count > 0, `samples: ${JSON.stringify(r.flowMs)}`);
    assert.ok(r.flowMs.p50 >= 0 && r.flowMs.p50 <= r.flowMs.p99 && r.flowMs.p99 <= r.flowMs.max);
    const jwt = await p.login();
    assert.deepEqual((await p.api(jwt, 'GET', '/flows/v1/flow')).body.flows, [], 'the sampling flow is removed');
  });

  it('refuses bad flags naming them, with exit 2, and lists the flags with --help', async () => {
    const cases: [string[], RegExp][] = [
      [['--rate', 'fast'], /--rate must be a number greater than 0, got "fast"/],
      [['--qos', '2'], /--qos must be an integer from 0 to 1, got "2"/],
      [['--keepalive', '70000'], /--keepalive must be an integer from 0 to 65535, got "70000"/],
      [['--devices', '0'], /--devices must be an integer greater than 0, got "0"/],
      [['--nope'], /Unknown option '--nope'/],
      [['--duration'], /--duration/],
      [['--payload', '{"t": {{rand 5}}}'], /--payload: \{\{rand 5\}\} takes 2 numbers/],
      [['--payload', '{"t": {{wat}}}'], /--payload: unknown field \{\{wat\}\}/],
      [['--payload', '[1]'], /--payload: a rendered message must be a JSON object/],
      [['--devices', '30000', '--workers', '1'], /--workers 1 would put 30000 connections in one process/],
      [['--devices', '3', '--devices-file', 'x'], /--devices and --devices-file exclude each other/],
      [
        ['--flow-latency'],
        /--flow-latency needs the send time in each message: give --payload an attribute whose value is exactly \{\{now\}\}/,
      ],
      [
        ['--flow-latency', '--devices-file', 'x', '--payload', '{"s": {{now}}}'],
        /--flow-latency listens to the template the run makes/,
      ],
      [
        ['--source-addresses', '4', '--mqtt-host', '10.0.0.1'],
        /--source-addresses spreads connections over 127\.0\.0\.x/,
      ],
      [
        ['--target-addresses', '4', '--mqtt-host', '10.0.0.1'],
        /--target-addresses spreads connections over 127\.0\.0\.x/,
      ],
      [
        ['--target-addresses', '2', '--source-addresses', '2'],
        /--source-addresses and --target-addresses are two ways to spread connections: give one/,
      ],
      // The test platform listens on 127.0.0.1 only: connections cannot go to 127.0.0.2.
      [['--target-addresses', '2'], /--target-addresses: nothing answers on 127\.0\.0\.2:\d+, so the platform listens/],
    ];
    for (const [args, message] of cases) {
      const res = await load([...target, ...args]);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
    }
    const help = await load(['--help']);
    assert.equal(help.code, 0);
    for (const flag of [
      '--devices',
      '--devices-file',
      '--rate',
      '--duration',
      '--ramp',
      '--qos',
      '--payload',
      '--mqtts',
      '--actuate-rate',
      '--workers',
      '--source-addresses',
      '--target-addresses',
      '--flow-latency',
      '--json',
    ])
      assert.ok(help.stdout.includes(flag), flag);
  });

  it('uses the devices of a list file, and says which file cannot be read', async () => {
    const jwt = await p.login();
    const t = await p.api(jwt, 'POST', '/template', {
      label: 'listed',
      attrs: [{ label: 'n', type: 'dynamic', value_type: 'integer' }],
    });
    const made = await p.api(jwt, 'POST', '/device?count=3', { label: 'listed', templates: [t.body.template.id] });
    const ids = made.body.devices.map((d: { id: string }) => d.id);
    const { writeFileSync } = await import('node:fs');
    const file = path.join(p.dataDir, 'devices.txt');
    // One id is no device of the tenant: the platform refuses it, and the report counts that by kind.
    writeFileSync(file, `# load devices\n${ids.join('\n')}\nfffff0\n`);
    const res = await load([
      ...target,
      '--devices-file',
      file,
      '--rate',
      '30',
      '--duration',
      '1',
      '--ramp',
      '0',
      '--payload',
      '{"n": {{seq}}}',
      '--verify',
      '3',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(res.stdout);
    assert.equal(r.conditions.devicesFrom, `file ${file}`);
    assert.deepEqual({ connected: r.connect.connected, failed: r.connect.failed }, { connected: 3, failed: 1 });
    assert.deepEqual(Object.entries(r.errors), [['connect: Connection refused: Not authorized', 1]]);
    assert.equal(r.publish.acked, 30);
    assert.equal(r.loss.lost, 0);
    // Devices the run did not make are left alone.
    assert.equal((await p.api(jwt, 'GET', `/device/${ids[0]}`)).status, 200);
    const missing = await load([...target, '--devices-file', path.join(p.dataDir, 'no-such-file')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--devices-file: cannot read .*no-such-file/);
  });

  describe('on a platform that acknowledges messages it then drops', () => {
    let small: TestPlatform;
    before(async () => {
      // Payloads over 16 bytes are acknowledged and dropped (counted by the MQTT agent, never stored).
      small = await startTestPlatform({ DOJOT_MQTT_PAYLOAD_LIMIT: '16' });
    });
    after(async () => small?.close());

    it('reports as lost what was acknowledged and not stored', async () => {
      // {"n": 9, "x": 1} is 16 bytes; from {{seq}} 10 on a message is 17 and dropped: 9 of each device's 20 are stored.
      const res = await load([
        '--host',
        '127.0.0.1',
        '--port',
        String(new URL(small.httpUrl).port),
        '--mqtt-port',
        String(small.mqttPort),
        '--devices',
        '2',
        '--rate',
        '40',
        '--duration',
        '1',
        '--ramp',
        '0',
        '--payload',
        '{"n": {{seq}}, "x": 1}',
        '--settle',
        '2',
        '--json',
      ]);
      assert.equal(res.code, 0, res.stderr);
      const r = JSON.parse(res.stdout);
      assert.deepEqual(
        { ...r.loss, method: undefined },
        { devicesChecked: 2, sent: 40, acked: 40, stored: 18, lost: 22, method: undefined },
      );
    });
  });
});
