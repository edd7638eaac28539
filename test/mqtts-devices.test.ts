// Devices over mutual TLS on a real platform with plain MQTT turned off: the mosquitto clients
// and mqtt.js present certificates made from openssl CSRs; good ones reach history, bad ones are
// refused with a reason, and the broker keeps serving everyone else.
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { issue, certificatePem } from '../core-services/x509/certificates.js';
import { parseCsr } from '../core-services/x509/csr.js';
import { OID } from '../core-services/x509/der.js';
import { Workdir, makeCsr, makeOtherCa, signWithCa } from '../core-services/x509/testing.js';
import { eventually, sleep } from './helpers/mqtt.js';
import { freePort, run } from './helpers/processes.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

interface DeviceFiles {
  cert: string;
  key: string;
  fingerprint: string;
}

describe('MQTT over mutual TLS', function () {
  this.timeout(90_000);
  const w = new Workdir();
  const logLines: string[] = [];
  let p: TestPlatform;
  let admin: string;
  let beta: string;
  let device: string;
  let other: string;
  let betaDevice: string;
  let caFile: string;
  let plainPort: number;

  const makeDevice = async (token: string, label: string): Promise<string> => {
    const t = await p.api(token, 'POST', '/template', {
      label: `${label}-t`,
      attrs: [
        { label: 'temperature', type: 'dynamic', value_type: 'float' },
        { label: 'fan', type: 'actuator', value_type: 'integer' },
      ],
    });
    const d = await p.api(token, 'POST', '/device', { label, templates: [t.body.template.id] });
    return d.body.devices[0].id;
  };
  /** What a device owner does: key and CSR with openssl, POST the CSR, keep the certificate. */
  const certify = async (
    token: string,
    id: string,
    name = `${id}-${Math.random().toString(36).slice(2, 6)}`,
  ): Promise<DeviceFiles> => {
    const { csr, keyFile } = makeCsr(w, name, `/CN=${id}`);
    const res = await p.api(token, 'POST', '/x509/v1/certificates', { csr });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return {
      cert: w.file(`${name}.crt`, res.body.certificatePem),
      key: keyFile,
      fingerprint: res.body.certificateFingerprint,
    };
  };
  const pub = (files: { cert: string; key: string }, topic: string, message: string) =>
    run('mosquitto_pub', [
      '-h',
      'localhost',
      '-p',
      String(p.mqttsPort),
      '-V',
      'mqttv311',
      '-q',
      '1',
      '-t',
      topic,
      '-m',
      message,
      '--cert',
      files.cert,
      '--key',
      files.key,
      '--cafile',
      caFile,
    ]);
  const connectTls = (files: { cert: string; key: string }): Promise<MqttClient> =>
    new Promise((resolve, reject) => {
      const c = mqtt.connect({
        protocol: 'mqtts',
        host: 'localhost',
        port: p.mqttsPort!,
        protocolVersion: 4,
        reconnectPeriod: 0,
        connectTimeout: 5000,
        key: readFileSync(files.key),
        cert: readFileSync(files.cert),
        ca: readFileSync(caFile),
      });
      c.once('connect', () => resolve(c));
      c.once('error', (err) => {
        c.end(true);
        reject(err);
      });
      c.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  const history = async (id: string) =>
    (await p.api(admin, 'GET', `/history/device/${id}/history?lastN=5&attr=temperature`)).body;
  const refusedBecause = (pattern: RegExp) =>
    eventually(
      async () => logLines.filter((l) => /MQTTS connect refused|MQTTS handshake refused/.test(l)).join('\n'),
      (t) => pattern.test(t),
      5000,
    );

  before(async () => {
    plainPort = await freePort();
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(...String(chunk).split('\n')), cb()) });
    p = await startTestPlatform(
      { DOJOT_MQTT_INSECURE: 'false', DOJOT_MQTT_PORT: String(plainPort) },
      { log: pino({ level: 'info' }, sink) },
    );
    admin = await p.login();
    await p.api(admin, 'POST', '/auth/user', {
      username: 'bea',
      service: 'beta',
      email: 'bea@beta.io',
      name: 'Bea',
      profile: 'admin',
      passwd: 'beapass',
    });
    beta = await p.login('bea', 'beapass');
    device = await makeDevice(admin, 'tls-sensor');
    other = await makeDevice(admin, 'bystander');
    betaDevice = await makeDevice(beta, 'beta-sensor');
    caFile = w.file('ca.pem', (await p.api(admin, 'GET', '/x509/v1/ca')).body.caPem);
  });
  after(async () => {
    await p?.close();
    w.remove();
  });

  it('closes plain MQTT when DOJOT_MQTT_INSECURE is false', async () => {
    assert.equal(p.mqttPort, null);
    assert.ok(p.mqttsPort);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(plainPort, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(true));
    });
    assert.ok(refused, 'nothing listens on the plain MQTT port');
  });

  it('takes mosquitto_pub with a platform certificate and no username, and the value reaches history', async () => {
    const files = await certify(admin, device);
    const res = await pub(files, `admin:${device}/attrs`, '{"temperature": 20}');
    assert.equal(res.code, 0, res.stderr);
    const body = await eventually(
      () => history(device),
      (b) => Array.isArray(b) && b.length > 0,
    );
    assert.equal(body[0].value, 20);
  });

  it('delivers an actuation to an mqtt.js client subscribed over TLS', async () => {
    const files = await certify(admin, device);
    const c = await connectTls(files);
    try {
      await c.subscribeAsync(`admin:${device}/config`, { qos: 1 });
      const got = new Promise<string>((resolve) => c.once('message', (_t, payload) => resolve(payload.toString())));
      const res = await p.api(admin, 'PUT', `/device/${device}/actuate`, { attrs: { fan: 3 } });
      assert.equal(res.status, 200);
      assert.equal(await got, '{"fan":3}');
    } finally {
      await c.endAsync();
    }
  });

  it('refuses a certificate signed by another CA, saying so', async () => {
    const stranger = makeOtherCa(w, 'stranger-ca');
    const { csr, keyFile } = makeCsr(w, 'stranger-dev', `/CN=${device}`);
    const cert = w.file('stranger.crt', signWithCa(w, csr, stranger, 'stranger-dev'));
    const res = await pub({ cert, key: keyFile }, `admin:${device}/attrs`, '{"temperature": 99}');
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not authori[sz]ed/i);
    await refusedBecause(/not signed by the platform CA nor by a CA the tenant trusts/);
  });

  it('refuses an expired certificate of the platform CA, saying so', async () => {
    const [row] = await p.store.query<{ key_pem: string; cert_pem: string }>(`SELECT key_pem, cert_pem FROM x509_ca`);
    const ca = { key: createPrivateKey(row.key_pem), cert: new X509Certificate(row.cert_pem) };
    const { csr, keyFile } = makeCsr(w, 'expired-dev', `/CN=${device}`);
    const day = 86_400_000;
    const der = issue(
      {
        subject: [[OID.commonName, `admin:${device}`]],
        spkiDer: parseCsr(csr).spkiDer,
        profile: 'client',
        notBefore: new Date(Date.now() - 10 * day),
        notAfter: new Date(Date.now() - day),
      },
      ca,
    );
    const cert = w.file('expired.crt', certificatePem(der));
    const res = await pub({ cert, key: keyFile }, `admin:${device}/attrs`, '{"temperature": 99}');
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not authori[sz]ed/i);
    await assert.rejects(connectTls({ cert, key: keyFile }), /Not authorized/i);
    await refusedBecause(/certificate expired \(CERT_HAS_EXPIRED\)/);
  });

  it('disconnects a client whose certificate is revoked, and refuses it from then on', async () => {
    const files = await certify(admin, device);
    const c = await connectTls(files);
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    assert.equal((await p.api(admin, 'DELETE', `/x509/v1/certificates/${files.fingerprint}`)).status, 204);
    await closed;
    c.end(true);
    await assert.rejects(connectTls(files), /Not authorized/i);
    const res = await pub(files, `admin:${device}/attrs`, '{"temperature": 99}');
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not authori[sz]ed/i);
    await refusedBecause(
      new RegExp(`${files.fingerprint}.*certificate revoked|certificate revoked.*${files.fingerprint}`),
    );
  });

  it("never lets a certificate speak for another tenant's device", async () => {
    // admin's own CA writes beta's device into the CN: unregistered, it names no one.
    const own = makeOtherCa(w, 'admin-own-ca');
    assert.equal((await p.api(admin, 'POST', '/x509/v1/trusted-cas', { caPem: own.pem })).status, 201);
    const cnCsr = makeCsr(w, 'forged-cn', `/CN=beta:${betaDevice}`);
    const forgedCert = w.file('forged.crt', signWithCa(w, cnCsr.csr, own, 'forged-cn'));
    // The listener reloads its trusted roots on the trust event: until then the handshake itself
    // fails; try until the refusal is the one for an unregistered certificate.
    const { res } = await eventually(
      async () => ({
        res: await pub({ cert: forgedCert, key: cnCsr.keyFile }, `beta:${betaDevice}/attrs`, '{"temperature": 66}'),
        registered: logLines.some((l) => /MQTTS connect refused/.test(l) && /not registered to a device/.test(l)),
      }),
      (v) => v.registered,
      10_000,
    );
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /not authori[sz]ed/i);
    await refusedBecause(/not registered to a device/);
    // Registered to acme's own device, it speaks for that device only: beta's topic is refused.
    const reg = await p.api(admin, 'POST', '/x509/v1/certificates', {
      certificatePem: readFileSync(forgedCert, 'utf8'),
      belongsTo: { device: other },
    });
    assert.equal(reg.status, 201, JSON.stringify(reg.body));
    const asOther = await pub({ cert: forgedCert, key: cnCsr.keyFile }, `admin:${other}/attrs`, '{"temperature": 5}');
    assert.equal(asOther.code, 0, asOther.stderr);
    await pub({ cert: forgedCert, key: cnCsr.keyFile }, `beta:${betaDevice}/attrs`, '{"temperature": 66}');
    await eventually(
      () => history(other),
      (b) => Array.isArray(b) && b.length > 0,
    );
    await sleep(300); // deliberately a fixed time: nothing reaches beta's history meanwhile
    const betaHistory = await p.api(beta, 'GET', `/history/device/${betaDevice}/history?lastN=5&attr=temperature`);
    assert.ok(!Array.isArray(betaHistory.body) || betaHistory.body.length === 0, JSON.stringify(betaHistory.body));
  });

  it('refuses a client that presents no certificate', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const c = mqtt.connect({
          protocol: 'mqtts',
          host: 'localhost',
          port: p.mqttsPort!,
          username: `admin:${device}`,
          ca: readFileSync(caFile),
          reconnectPeriod: 0,
          connectTimeout: 5000,
        });
        c.once('connect', () => (c.end(true), resolve(c)));
        c.once('error', (err) => (c.end(true), reject(err)));
      }),
      /Not authorized/i,
    );
    await refusedBecause(/no client certificate presented/);
  });

  it('names the device by the certificate, not by a username the client sends', async () => {
    const files = await certify(admin, device);
    const c = mqtt.connect({
      protocol: 'mqtts',
      host: 'localhost',
      port: p.mqttsPort!,
      username: `beta:${betaDevice}`,
      reconnectPeriod: 0,
      key: readFileSync(files.key),
      cert: readFileSync(files.cert),
      ca: readFileSync(caFile),
    });
    await new Promise((resolve, reject) => (c.once('connect', resolve), c.once('error', reject)));
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(`beta:${betaDevice}/attrs`, '{"temperature": 77}', { qos: 1 });
    await closed; // a publish outside the device's topics ends the connection
    c.end(true);
    const betaHistory = await p.api(beta, 'GET', `/history/device/${betaDevice}/history?lastN=5&attr=temperature`);
    assert.ok(!Array.isArray(betaHistory.body) || betaHistory.body.length === 0, JSON.stringify(betaHistory.body));
  });

  it('keeps serving a good client while others are refused', async () => {
    const files = await certify(admin, other);
    const c = await connectTls(files);
    try {
      const stranger = makeOtherCa(w, 'noise-ca');
      const noise = makeCsr(w, 'noise', `/CN=${other}`);
      const noiseCert = w.file('noise.crt', signWithCa(w, noise.csr, stranger, 'noise'));
      const attempts = await Promise.all(
        [1, 2, 3].map(() => pub({ cert: noiseCert, key: noise.keyFile }, `admin:${other}/attrs`, '{}')),
      );
      assert.ok(attempts.every((a) => a.code !== 0));
      await c.publishAsync(`admin:${other}/attrs`, '{"temperature": 42}', { qos: 1 });
      const body = await eventually(
        () => history(other),
        (b) => Array.isArray(b) && b.some((r: { value: number }) => r.value === 42),
      );
      assert.ok(body.some((r: { value: number }) => r.value === 42));
      assert.ok(c.connected);
    } finally {
      await c.endAsync();
    }
  });
});
