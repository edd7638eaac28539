// Platform JWTs: HS256 signed with a per-install secret made on first start and kept in the
// store. Every protected route verifies signature and exp (dojot's backends only decoded).
import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import type { Store } from '../platform/store/index.js';
import type { Identity } from '../platform/contracts/identity.js';
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
}

export function createTokenService(secret: string, ttlSeconds: number): TokenService {
  const sign = createSigner({ key: secret, algorithm: 'HS256', expiresIn: ttlSeconds * 1000, iss: ISSUER });
  const check = createVerifier({ key: secret, algorithms: ['HS256'], allowedIss: ISSUER, cache: 1000 });
  return {
    issue(id) {
      return sign({
        service: id.tenant,
        username: id.username,
        userid: id.userid,
        profile: id.profile,
        groups: id.groups,
        jti: randomBytes(16).toString('hex'),
      });
    },
    verify(token) {
      let claims: Record<string, unknown>;
      try {
        claims = check(token);
      } catch (err) {
        const reason = err instanceof TokenError ? err.message : 'malformed token';
        throw AuthErrors.AUTH_TOKEN_INVALID({ reason }, { message: 'Invalid JWT token' });
      }
      if (typeof claims.service !== 'string' || typeof claims.username !== 'string' || typeof claims.profile !== 'string') {
        throw AuthErrors.AUTH_TOKEN_INVALID({ reason: 'missing service, username or profile claim' }, { message: 'Invalid JWT token' });
      }
      return {
        tenant: claims.service,
        username: claims.username,
        userid: Number(claims.userid),
        profile: claims.profile,
        groups: Array.isArray(claims.groups) ? (claims.groups as number[]) : [],
      };
    },
  };
}

/** Takes the token from `Authorization: Bearer <jwt>` (the prefix is optional, as in dojot). */
export function tokenFromHeader(header: string | undefined): string | null {
  if (!header) return null;
  const t = header.replace(/^Bearer\s+/i, '').trim();
  return t === '' ? null : t;
}
