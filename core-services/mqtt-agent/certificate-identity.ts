// On MQTTS the client certificate is the identity (dojot's VerneMQ used the CN as username,
// §3.1; mosca checked the CN and the CRL, §3.2). The TLS listener asks the x509 service who the
// certificate names as soon as the handshake ends, and CONNECT (authenticate.ts) waits for that
// answer; a username, if sent, is ignored there.
import type { Client } from 'aedes';
import type { CertificateVerdict } from '../x509/client.js';

export type TlsVerdict = CertificateVerdict | { ok: false; fingerprint: string; reason: string; unavailable: true };

/** Keyed by the socket aedes sees as `client.conn`: gone with the socket. */
const verdicts = new WeakMap<object, Promise<TlsVerdict>>();
const FINGERPRINT = Symbol('dojot.certificate');

export function setVerdict(socket: object, verdict: Promise<TlsVerdict>): void {
  verdicts.set(socket, verdict);
}

/** The pending answer for a TLS connection; undefined for plain MQTT. */
export function verdictOf(client: Client): Promise<TlsVerdict> | undefined {
  return verdicts.get((client as unknown as { conn: object }).conn);
}

export function setCertificate(client: Client, fingerprint: string): void {
  (client as Client & { [FINGERPRINT]?: string })[FINGERPRINT] = fingerprint;
}

export function certificateOf(client: Client): string | undefined {
  return (client as Client & { [FINGERPRINT]?: string })[FINGERPRINT];
}

export interface Refusal {
  at: string;
  fingerprint: string | null;
  reason: string;
}

/** The latest refusals of MQTTS clients, newest last: what an operator (or a test) reads to learn why. */
export class Refusals {
  private readonly list: Refusal[] = [];
  constructor(private readonly keep = 100) {}

  add(fingerprint: string | null, reason: string): void {
    this.list.push({ at: new Date().toISOString(), fingerprint, reason });
    if (this.list.length > this.keep) this.list.shift();
  }

  recent(): Refusal[] {
    return [...this.list];
  }
}
