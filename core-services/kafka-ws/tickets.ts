// Single-use tickets that let a websocket (which carries no Authorization header) prove who opened it.
// A ticket is 32 random bytes in hex, kept in the cache (Redis when configured) for a short TTL and
// taken (read and deleted in one step) by the upgrade, so it can be used once only.
import { randomBytes } from 'node:crypto';
import type { Cache } from '../platform/cache/index.js';

export interface TicketClaims {
  tenant: string;
  username: string;
  /** Epoch s when the token the ticket came from expires (for DOJOT_KAFKA_WS_LIFETIME_FROM_TOKEN). */
  exp: number | null;
}

const key = (ticket: string) => `kafka-ws:ticket:${ticket}`;
const TICKET = /^[0-9a-f]{64}$/;

export class Tickets {
  constructor(
    private readonly cache: Cache,
    private readonly ttlSeconds: number,
  ) {}

  async issue(claims: TicketClaims): Promise<string> {
    const ticket = randomBytes(32).toString('hex');
    await this.cache.set(key(ticket), JSON.stringify(claims), this.ttlSeconds * 1000);
    return ticket;
  }

  /** The claims of a live ticket, which is used up; null when unknown, expired or already used. */
  async redeem(ticket: string): Promise<TicketClaims | null> {
    if (!TICKET.test(ticket)) return null;
    const raw = await this.cache.take(key(ticket));
    return raw ? (JSON.parse(raw) as TicketClaims) : null;
  }
}

/** The exp claim of a token the gateway already verified (only read, never trusted unverified). */
export function expOf(authorization: string | undefined): number | null {
  const token = (authorization ?? '').replace(/^Bearer\s+/i, '');
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}
