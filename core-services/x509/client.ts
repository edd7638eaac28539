// What sibling services (the MQTT agent's TLS listener) may know of the x509 service. The only
// file of x509 other services import.
import type { X509Certificate } from 'node:crypto';

/** Signs a client certificate with a CA other than the platform's (the Kafka tenant CA, runtime/supervisor/kafka-tenant-access.ts). */
export { issueClientCertificate, type CaMaterial } from './certificates.js';

/** A TLS server's key and certificate signed by the platform CA, with the roots clients may chain to. */
export interface ServerCredentials {
  key: string;
  cert: string;
  /** The platform CA first, then every CA a tenant registered as trusted. */
  ca: string[];
}

/** Who a client certificate names, or why it names no one. */
export type CertificateVerdict =
  | { ok: true; tenant: string; device: string; fingerprint: string }
  | { ok: false; fingerprint: string; reason: string };

export type X509Event =
  /** A certificate was revoked: connections made with it must end. */
  | { type: 'revoked'; tenant: string; fingerprint: string }
  /** The set of trusted CAs changed: TLS servers should reload their roots. */
  | { type: 'trust-changed' };

export interface X509Client {
  serverCredentials(hostnames: string[]): Promise<ServerCredentials>;
  /** The roots TLS servers must accept client certificates from (after a trust-changed event). */
  trustedRoots(): Promise<string[]>;
  /**
   * Checks a client certificate the TLS layer has already verified (chain, validity): it must
   * not be revoked, and it must name one device — by its CN `<tenant>:<device>` when the
   * platform CA signed it, by its registered mapping when a tenant's trusted CA did.
   */
  identify(cert: X509Certificate): Promise<CertificateVerdict>;
  /** Subscribes to revocations and trust changes (from every instance); returns the unsubscribe. */
  onEvent(listener: (event: X509Event) => void): () => void;
}
