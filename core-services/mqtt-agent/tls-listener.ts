// MQTT over mutual TLS (8883). The server certificate is signed by the platform CA for the
// configured host names; a client must present a certificate that chains to the platform CA or
// to a tenant's trusted CA and is within its dates. Revocation and the device it names are then
// asked of the x509 service on every connection (certificate-identity.ts).
// Node's TLS server does not tell a refused client why (it checks the chain after the handshake
// and just closes: the client sees "connection lost"), so the handshake is let through and the
// verdict, with its reason, is given at CONNECT: CONNACK 5 "not authorized", the reason logged.
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../platform/log.js';
import type { X509Client } from '../x509/client.js';
import { setVerdict, type Refusals, type TlsVerdict } from './certificate-identity.js';
import type { Listener } from './listeners.js';

/** A TLS handshake must finish within this, or the socket is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsListener extends Listener {
  /** Reloads the trusted roots (after a tenant registered or removed a CA). */
  reload(): Promise<void>;
}

export interface TlsListenerOptions {
  handle: (socket: net.Socket) => unknown;
  host: string;
  port: number;
  hostnames: string[];
  x509: X509Client;
  refusals: Refusals;
  log: Logger;
}

/** OpenSSL's verification errors (as Node names them), in words a device owner can act on. */
const CHAIN_ERRORS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate expired',
  CERT_NOT_YET_VALID: 'certificate not valid yet',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not signed by the platform CA nor by a CA the tenant trusts',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not signed by the platform CA nor by a CA the tenant trusts',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate chains to a CA the platform does not trust',
  CERT_SIGNATURE_FAILURE: 'certificate signature does not verify',
  INVALID_PURPOSE: 'certificate is not meant for TLS clients',
};

function verdictFor(socket: tls.TLSSocket, x509: X509Client, log: Logger): Promise<TlsVerdict> {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return Promise.resolve({ ok: false, fingerprint: '', reason: 'no client certificate presented' });
  const fingerprint = cert.fingerprint256;
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'unknown');
    return Promise.resolve({
      ok: false,
      fingerprint,
      reason: `${CHAIN_ERRORS[code] ?? 'certificate not accepted'} (${code})`,
    });
  }
  return x509.identify(cert).catch((err: unknown) => {
    log.warn({ err }, 'certificate lookup failed');
    return { ok: false as const, fingerprint, reason: 'certificate lookup failed', unavailable: true as const };
  });
}

/** A TLS server that is not listening: its connections are handed in (a worker process, workers.ts). */
export interface TlsAcceptor {
  server: tls.Server;
  reload(): Promise<void>;
  /** Destroys the connections still open. */
  destroyAll(): void;
}

export async function tlsAcceptor(o: Omit<TlsListenerOptions, 'host' | 'port'>): Promise<TlsAcceptor> {
  const creds = await o.x509.serverCredentials(o.hostnames);
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    {
      key: creds.key,
      cert: creds.cert,
      ca: creds.ca,
      requestCert: true,
      // Checked below instead, so the refusal can carry a reason (see the top of this file).
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.setNoDelay(true);
      setVerdict(socket, verdictFor(socket, o.x509, o.log));
      o.handle(socket);
    },
  );
  // Handshake failures are the client's: recorded with OpenSSL's reason, never fatal.
  server.on('tlsClientError', (err, socket) => {
    o.refusals.add(null, `TLS handshake failed: ${err.message}`);
    o.log.info({ remote: socket.remoteAddress, err: err.message }, 'MQTTS handshake refused');
  });
  server.on('error', (err) => o.log.error({ err }, 'MQTTS listener error'));
  return {
    server,
    reload: async () => {
      server.setSecureContext({ key: creds.key, cert: creds.cert, ca: await o.x509.trustedRoots() });
    },
    destroyAll: () => {
      for (const s of sockets) s.destroy();
    },
  };
}

export async function listenTls(o: TlsListenerOptions): Promise<TlsListener> {
  const { server, reload, destroyAll } = await tlsAcceptor(o);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as net.AddressInfo).port;
  return {
    port: bound,
    reload,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      destroyAll();
      await closed;
    },
  };
}
