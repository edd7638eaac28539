// Logins: failures are limited per client address and per (address, user), with a lock that
// doubles each time, so a stranger elsewhere cannot lock a user out; and the answer to an
// unknown user is the wrong password's (status, message, about the same time).
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

describe('login limits', function () {
  this.timeout(90_000);
  let p: TestPlatform;
  let admin: string;

  before(async () => {
    p = await startTestPlatform({ DOJOT_AUTH_FAILURES_PER_USER: '3', DOJOT_AUTH_FAILURES_PER_ADDRESS: '6' });
    admin = await p.login();
    for (const username of ['alice', 'carol', 'dave']) {
      const res = await p.api(admin, 'POST', '/auth/user', {
        username,
        service: 'admin',
        email: `${username}@x.io`,
        name: username,
        profile: 'user',
        passwd: 'rightpw',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });
  after(async () => p?.close());

  /** POST /auth from a given loopback source address (every 127.x.y.z is this machine). */
  const login = (from: string, username: string, passwd: string) =>
    new Promise<{ status: number; body: { error?: string; jwt?: string; message?: string; status?: number } }>(
      (resolve, reject) => {
        const body = JSON.stringify({ username, passwd });
        const req = http.request(
          `${p.httpUrl}/auth`,
          {
            method: 'POST',
            localAddress: from,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );

  it('answers an unknown user exactly as a wrong password', async () => {
    const unknown = await login('127.0.0.1', 'nobody-here', 'whatever');
    const wrong = await login('127.0.0.1', 'dave', 'whatever');
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown, wrong);
  });

  it('takes about as long for an unknown user as for a wrong password', async () => {
    const time = async (username: string, i: number) => {
      const started = process.hrtime.bigint();
      await login(`127.0.3.${i + 1}`, username, 'whatever');
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 7; i++) {
      unknown.push(await time(`ghost${i}`, i));
      wrong.push(await time('dave', i + 10));
    }
    const [u, w] = [median(unknown), median(wrong)];
    // The password hashing (scrypt, tens of ms) dominates both; without it an unknown user answers in a few ms.
    assert.ok(u > w / 2 && u < w * 2, `unknown user ${u.toFixed(1)} ms, wrong password ${w.toFixed(1)} ms`);
  });

  it('locks a user out only from the address that failed, not from elsewhere', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login('127.0.1.1', 'alice', 'bad')).status, 401);
    const there = await login('127.0.1.1', 'alice', 'rightpw');
    assert.equal(there.status, 429);
    assert.match(there.body.error ?? '', /address and user; retry in 60 s/);
    const elsewhere = await login('127.0.1.2', 'alice', 'rightpw');
    assert.equal(elsewhere.status, 200, 'alice still signs in from her own address');
    assert.equal(
      (await login('127.0.1.1', 'carol', 'rightpw')).status,
      200,
      'the address may still sign in other users',
    );
  });

  it('locks an address that fails for many users', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await login('127.0.2.1', `someone${i}`, 'bad')).status, 401);
    const res = await login('127.0.2.1', 'carol', 'rightpw');
    assert.equal(res.status, 429);
    assert.match(res.body.error ?? '', /from this address;/);
    assert.equal((await login('127.0.2.2', 'carol', 'rightpw')).status, 200);
  });

  it('doubles the lock each time the limit is reached again', async () => {
    for (let i = 0; i < 3; i++) await login('127.0.4.1', 'dave', 'bad');
    assert.match((await login('127.0.4.1', 'dave', 'bad')).body.error ?? '', /retry in 60 s/);
    // The first lock ends (as if a minute had passed); failing again locks for two minutes.
    await p.cache.del('auth:fail:pair:127.0.4.1:dave:lock');
    for (let i = 0; i < 3; i++) assert.equal((await login('127.0.4.1', 'dave', 'bad')).status, 401);
    assert.match((await login('127.0.4.1', 'dave', 'rightpw')).body.error ?? '', /retry in 120 s/);
  });
});
