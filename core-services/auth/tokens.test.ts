import assert from 'node:assert/strict';
import { createSigner } from 'fast-jwt';
import { PlatformError } from '../platform/errors.js';
import { createTokenService, tokenFromHeader } from './tokens.js';
import { hashPassword, verifyPassword } from './password.js';

const id = { tenant: 'acme', username: 'ann', userid: 7, profile: 'user', groups: [2] };

describe('auth tokens', () => {
  it('verifies a token it issued and returns the identity', () => {
    const t = createTokenService('s'.repeat(40), 60);
    assert.deepEqual(t.verify(t.issue(id)), id);
  });

  it("carries dojot's claims", () => {
    const t = createTokenService('s'.repeat(40), 60);
    const claims = JSON.parse(Buffer.from(t.issue(id).split('.')[1], 'base64url').toString());
    for (const k of ['iss', 'iat', 'exp', 'profile', 'groups', 'userid', 'jti', 'service', 'username'])
      assert.ok(k in claims, k);
    assert.equal(claims.exp - claims.iat, 60);
    assert.match(claims.jti, /^[0-9a-f]{32}$/);
  });

  it('refuses a token signed with another secret', () => {
    const other = createTokenService('o'.repeat(40), 60);
    const t = createTokenService('s'.repeat(40), 60);
    assert.throws(
      () => t.verify(other.issue(id)),
      (e: unknown) => e instanceof PlatformError && e.status === 401,
    );
  });

  it('refuses an expired token', () => {
    const sign = createSigner({ key: 's'.repeat(40), iss: 'dojot-red' });
    const expired = sign({
      service: 'acme',
      username: 'ann',
      profile: 'admin',
      exp: Math.floor(Date.now() / 1000) - 10,
    });
    const t = createTokenService('s'.repeat(40), 60);
    assert.throws(
      () => t.verify(expired),
      (e: unknown) => e instanceof PlatformError && /expired/i.test(e.message),
    );
  });

  it('refuses an unsigned token of the kind dojot services accepted', () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ service: 'acme', username: 'ann', profile: 'admin' })}.`;
    const t = createTokenService('s'.repeat(40), 60);
    assert.throws(
      () => t.verify(forged),
      (e: unknown) => e instanceof PlatformError && e.status === 401,
    );
  });

  it('takes the token with or without the Bearer prefix', () => {
    assert.equal(tokenFromHeader('Bearer abc'), 'abc');
    assert.equal(tokenFromHeader('abc'), 'abc');
    assert.equal(tokenFromHeader(''), null);
    assert.equal(tokenFromHeader(undefined), null);
  });
});

describe('auth passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const h = await hashPassword('s3cret!');
    assert.match(h, /^scrypt\$/);
    assert.ok(await verifyPassword('s3cret!', h));
    assert.ok(!(await verifyPassword('s3cret', h)));
  });

  it('salts each hash', async () => {
    assert.notEqual(await hashPassword('x'), await hashPassword('x'));
  });
});
