// x509 identity management (§7): the platform CA, device certificates from CSRs, certificates of
// tenants' own CAs mapped to devices, revocation with a signed CRL, and the X509Client the MQTT
// agent's TLS listener uses to know who a client certificate names.
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { PlatformContext } from '../platform/context.js';
import type { Service } from '../platform/service.js';
import { loadOrCreateCa } from './ca.js';
import { certificatePem, type CaMaterial } from './certificates.js';
import type { X509Client } from './client.js';
import { X509Events } from './events.js';
import { identify } from './identity.js';
import { x509Routes } from './routes.js';
import { makeServerCredentials } from './server-credentials.js';
import { CertificateService } from './service.js';
import { X509Store } from './store.js';
import { TrustedCaService } from './trusted-cas.js';

export interface X509Service extends Service {
  client: X509Client;
}

export function createX509(ctx: PlatformContext, deps: { devices: DeviceManagerClient }): X509Service {
  const log = ctx.log.child({ svc: 'x509' });
  const store = new X509Store(ctx.store);
  const events = new X509Events(ctx.bus, log);
  const { config } = ctx;
  let ca: CaMaterial | null = null;
  let certs: CertificateService | null = null;
  let trusted: TrustedCaService | null = null;
  // Routes are registered before start(); the HTTP port opens only after every start().
  const ready = <T>(v: T | null): T => {
    if (!v) throw new Error('x509 service used before start()');
    return v;
  };

  const client: X509Client = {
    serverCredentials: async (hostnames) => ({
      ...makeServerCredentials(ready(ca), hostnames, config.x509CertValidityDays),
      ca: await client.trustedRoots(),
    }),
    trustedRoots: async () => [certificatePem(ready(ca).cert.raw), ...(await store.trustedCas()).map((c) => c.pem)],
    identify: (cert) => identify(cert, ready(ca), store),
    onEvent: (listener) => events.on(listener),
  };

  return {
    name: 'x509',
    client,
    routes: async (app) => {
      await app.register(
        x509Routes(
          () => ready(certs),
          () => ready(trusted),
        ),
      );
    },
    async start() {
      ca = await loadOrCreateCa(
        store,
        { validityDays: config.x509CaValidityDays, certFile: config.x509CaCertFile, keyFile: config.x509CaKeyFile },
        log,
      );
      certs = new CertificateService(ca, store, deps.devices, events, {
        certValidityDays: config.x509CertValidityDays,
        crlValidityHours: config.x509CrlValidityHours,
      });
      trusted = new TrustedCaService(ca, store, events);
      await events.start();
    },
    close: () => events.close(),
  };
}
