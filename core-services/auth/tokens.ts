// Platform JWTs: HS256 signed with a per-install secret made on first start and kept in the
// store. Every protected route verifies signature and exp (dojot's backends only decoded).
//
// A token also ends when its user's rights do: deleting the user, or changing their password or
// tenant, records "tokens of user N issued up to now are void" in the cache (Redis when several
// instances run, so every instance sees it at its next request). check() reads that one key per
// request; the record lives as long as a token can, after which every token it voids has expired.
import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Store } from '../platform/store/index.js';
import type { Identity } from '../platform/contracts/identity.js';
import type { Cache } from '../platform/cache/index.js';
import { AuthErrors } from './errors.js';

const SECRET_KEY = 'auth.jwt-secret';
const ISSUER = 'dojot-red';

export async function loadSigningSecret(store: Store): Promise<string> {
  // Insert-if-absent then read: two instances starting together agree on one secret.
  await store.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
    SECRET_KEY,
    randomBytes(48).toString('base64'),
  ]);
  const rows = await store.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [SECRET_KEY]);
  return rows[0].value;
}

export interface TokenService {
  issue(identity: Identity): string;
  /** Throws a PlatformError (401) when the token is malformed, forged or expired. */
  verify(token: string): Identity;
  /** verify(), and also throws (401) when the token's user was deleted or changed password since it was issued. */
  check(token: string): Promise<Identity>;
  /** Voids every token of the user issued until now, on every instance. */
  revoke(userid: number): Promise<void>;
}

const revokedKey = (userid: number) => `auth:revoked:${userid}`;

export function createTokenService(secret: string, ttlSeconds: number, cache?: Cache): TokenService {
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000, iss: ISSUER });
  const verifySignature = createVerifier({ key: secret, algorithms: ['HS256'], allowedIss: ISSUER, cache: 1000 });
  return {
    issue(id) {
      return sign({
        service: id.tenant,
        username: id.username,
        userid: id.userid,
        profile: id.profile,
        groups: id.groups,
        jti: randomBytes(16).toString('hex'),
        // iat is in seconds; a password changed and a new login within one second must differ.
        iat_ms: Date.now(),
      });
    },
    async check(token) {
      const { identity, issuedMs } = verifyClaims(token);
      const revoked = cache ? await cache.get(revokedKey(identity.userid)) : null;
      if (revoked !== null && issuedMs <= Number(revoked)) {
        throw AuthErrors.AUTH_TOKEN_INVALID(
          { reason: 'revoked: its user was removed or changed password since it was issued' },
          { message: 'Invalid JWT token' },
        );
      }
      return identity;
    },
    async revoke(userid) {
      // Strictly after every token issued so far, even one issued in this very millisecond.
      await cache?.set(revokedKey(userid), String(Date.now()), ttlSeconds * 1000 + 60_000);
    },
    verify(token) {
      return verifyClaims(token).identity;
    },
  };

  function verifyClaims(token: string): { identity: Identity; issuedMs: number } {
    let claims: Record<string, unknown>;
    try {
      claims = verifySignature(token);
    } catch (err) {
      const reason = err instanceof TokenError ? err.message : 'malformed token';
      throw AuthErrors.AUTH_TOKEN_INVALID({ reason }, { message: 'Invalid JWT token' });
    }
    if (
      typeof claims.service !== 'string' ||
      typeof claims.username !== 'string' ||
      typeof claims.profile !== 'string'
    ) {
      throw AuthErrors.AUTH_TOKEN_INVALID(
        { reason: 'missing service, username or profile claim' },
        { message: 'Invalid JWT token' },
      );
    }
    const identity = {
      tenant: claims.service,
      username: claims.username,
      userid: Number(claims.userid),
      profile: claims.profile,
      groups: Array.isArray(claims.groups) ? (claims.groups as number[]) : [],
    };
    const issuedMs = typeof claims.iat_ms === 'number' ? claims.iat_ms : Number(claims.iat) * 1000;
    return { identity, issuedMs };
  }
}

/** Takes the token from `Authorization: Bearer <jwt>` (the prefix is optional, as in dojot). */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const t = header.replace(/^Bearer\s+/i, '').trim();
  return t === '' ? null : t;
}
