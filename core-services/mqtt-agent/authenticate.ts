// CONNECT: the device must be named `<tenant>:<device>` by its username (§3.1) or, failing that,
// by its client id (legacy mosca form, §3.2), and must exist in that tenant. Refusals answer
// CONNACK 4 (bad user name or password) for a malformed name, 5 (not authorized) for an unknown
// device, 3 (server unavailable) when the device lookup fails [MQTT-3.2.2-5]. In plain-MQTT mode
// the password is not checked (dojot's port 1883 is for tests). On MQTTS the client certificate
// names the device instead (certificate-identity.ts) and a refused certificate gets CONNACK 5.
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { Logger } from '../platform/log.js';
import { parseDeviceName, type DeviceIdentity } from './acl.js';
import { setCertificate, verdictOf, type Refusals } from './certificate-identity.js';
import type { Counters } from './counters.js';
import { setIdentity } from './sessions.js';
import type { LegacyTopicIdentity } from './legacy-identity.js';

const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SERVER_UNAVAILABLE = 3;

export interface AuthenticateDeps {
  devices: DeviceManagerClient;
  counters: Counters;
  log: Logger;
  refusals: Refusals;
  /** Given (DOJOT_MQTT_LEGACY_TOPIC_IDENTITY): a nameless plain-port client is named by its first topic. */
  legacy?: LegacyTopicIdentity;
}

function refusal(returnCode: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

export function authenticate(deps: AuthenticateDeps): NonNullable<AedesOptions['authenticate']> {
  const { counters, log, refusals } = deps;
  return (client, username, _password, done) => {
    // A TLS connection is named by its certificate only: never fall back to the username.
    const pending =
      verdictOf(client) ??
      (isTls(client)
        ? Promise.resolve({ ok: false as const, fingerprint: '', reason: 'no certificate verdict' })
        : undefined);
    if (pending) {
      void pending.then((v) => {
        if (!v.ok) {
          counters.connectsRefused += 1;
          refusals.add(v.fingerprint || null, v.reason);
          log.info({ fingerprint: v.fingerprint, reason: v.reason }, 'MQTTS connect refused');
          return done(refusal('unavailable' in v ? SERVER_UNAVAILABLE : NOT_AUTHORIZED, v.reason), false);
        }
        const id = parseDeviceName(`${v.tenant}:${v.device}`);
        if (!id)
          return done(refusal(NOT_AUTHORIZED, `certificate names ${v.tenant}:${v.device}, not a device name`), false);
        setCertificate(client, v.fingerprint);
        admit(deps, client, id, done, v.fingerprint);
      });
      return;
    }
    const id = parseDeviceName(username) ?? parseDeviceName(client.id);
    if (!id && !username && deps.legacy) {
      if (deps.legacy.admit(client)) return done(null, true);
      counters.connectsRefused += 1;
      return done(refusal(NOT_AUTHORIZED, 'a client named only by its topics must connect with clean session'), false);
    }
    if (!id) {
      counters.connectsRefused += 1;
      log.debug(
        { clientId: client.id, username },
        'connect refused: neither username nor client id is <tenant>:<device>',
      );
      return done(refusal(BAD_USERNAME_OR_PASSWORD, 'username must be <tenant>:<device>'), false);
    }
    admit(deps, client, id, done);
  };
}

function isTls(client: Client): boolean {
  return (client as unknown as { conn?: { encrypted?: boolean } }).conn?.encrypted === true;
}

/** The named device must exist in its tenant; then the identity is fixed for the connection. */
function admit(
  { devices, counters, log, refusals }: AuthenticateDeps,
  client: Client,
  id: DeviceIdentity,
  done: Parameters<NonNullable<AedesOptions['authenticate']>>[3],
  fingerprint?: string,
): void {
  devices.deviceExists(id.tenant, id.device).then(
    (exists) => {
      if (!exists) {
        counters.connectsRefused += 1;
        log.debug({ tenant: id.tenant, device: id.device }, 'connect refused: no such device');
        if (fingerprint) refusals.add(fingerprint, `certificate names ${id.name}, which is not a device`);
        return done(refusal(NOT_AUTHORIZED, `no device ${id.device} in tenant ${id.tenant}`), false);
      }
      setIdentity(client, id);
      scopeSessionId(client, id.name);
      done(null, true);
    },
    (err: unknown) => {
      counters.connectsRefused += 1;
      log.warn({ err, tenant: id.tenant, device: id.device }, 'connect refused: device lookup failed');
      done(refusal(SERVER_UNAVAILABLE, 'device lookup failed'), false);
    },
  );
}

/**
 * Session ids are global in a broker: a second CONNECT with the same client id takes the first
 * one's session over [MQTT-3.1.4-2]. Prefixing every id with the device's name keeps a device of
 * one tenant from knocking out (or inheriting the session of) a device of another tenant.
 */
function scopeSessionId(client: Client, name: string): void {
  if (client.id === name || client.id.startsWith(`${name}/`)) return;
  (client as { id: string }).id = `${name}/${client.id}`;
}
