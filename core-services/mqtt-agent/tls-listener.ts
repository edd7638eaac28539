// MQTT over mutual TLS (8883). The server certificate is signed by the platform CA for the
// configured host names; a client must present a certificate that chains to the platform CA or
// to a tenant's trusted CA and is within its dates, or the handshake fails with the TLS alert
// that says why (unknown ca, certificate expired, …). Revocation and the device it names are
// then asked of the x509 service on every connection (certificate-identity.ts).
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

export async function listenTls(o: TlsListenerOptions): Promise<TlsListener> {
  const creds = await o.x509.serverCredentials(o.hostnames);
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    {
      key: creds.key,
      cert: creds.cert,
      ca: creds.ca,
      requestCert: true,
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    },
    (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.setNoDelay(true);
      const cert = socket.getPeerX509Certificate();
      const verdict: Promise<TlsVerdict> = cert
        ? o.x509.identify(cert).catch((err: unknown) => {
            o.log.warn({ err }, 'certificate lookup failed');
            return { ok: false as const, fingerprint: '', reason: 'certificate lookup failed', unavailable: true as const };
          })
        : Promise.resolve({ ok: false as const, fingerprint: '', reason: 'no client certificate' });
      setVerdict(socket, verdict);
      o.handle(socket);
    },
  );
  // Handshake failures are the client's: recorded with OpenSSL's reason, never fatal.
  server.on('tlsClientError', (err, socket) => {
    o.refusals.add(null, `TLS handshake failed: ${err.message}`);
    o.log.info({ remote: socket.remoteAddress, err: err.message }, 'MQTTS handshake refused');
  });
  server.on('error', (err) => o.log.error({ err }, 'MQTTS listener error'));
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
    reload: async () => {
      server.setSecureContext({ key: creds.key, cert: creds.cert, ca: await o.x509.trustedRoots() });
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
