// dojot's legacy agent (mosca, §3.2 of docs/dojot-compatibility.md) let a client named by neither
// username nor client id take its identity from the topic it used: `/<tenant>/<device>/attrs` or
// `/<tenant>/<device>/config`. Offered only behind DOJOT_MQTT_LEGACY_TOPIC_IDENTITY, on the plain
// port, because it is insecure: whoever knows a device id speaks for the device. What it keeps:
// - the first such topic fixes the identity for the connection (the device must exist in that
//   tenant); every later topic is checked against it by the same ACL as for named devices;
// - the session is clean (a CONNECT with clean session off is refused), so no subscription
//   outlives the connection for another client to inherit;
// - the session id is prefixed `legacy/`, so it can never take over a named device's session.
import type { Client } from 'aedes';
import type { DeviceManagerClient } from '../device-manager/client.js';
import type { Logger } from '../platform/log.js';
import { parseDeviceName, type DeviceIdentity } from './acl.js';
import { identityOf, setIdentity, type Sessions } from './sessions.js';

const PENDING = Symbol('dojot.legacy-identity');
const LEGACY_TOPIC = /^\/([^/]+)\/([^/]+)\/(attrs|config)$/;
export const LEGACY_SESSION_PREFIX = 'legacy/';

type LegacyClient = Client & { [PENDING]?: Promise<DeviceIdentity | null> | true };

export class LegacyTopicIdentity {
  constructor(
    private readonly devices: DeviceManagerClient,
    private readonly sessions: Sessions,
    private readonly log: Logger,
  ) {}

  /** At CONNECT: takes the client in without an identity yet. False when it must be refused. */
  admit(client: Client): boolean {
    if (!client.clean) return false;
    (client as LegacyClient)[PENDING] = true;
    (client as { id: string }).id = `${LEGACY_SESSION_PREFIX}${client.id}`;
    return true;
  }

  /** Whether this client was admitted without an identity and has none yet. */
  awaits(client: Client | null): client is Client {
    return client !== null && (client as LegacyClient)[PENDING] !== undefined && !identityOf(client);
  }

  /**
   * The identity the client's first legacy topic names, once the device is known to exist; null
   * when the topic names no device. Concurrent calls share the first one's answer, in order.
   */
  identify(client: Client, topic: string): Promise<DeviceIdentity | null> {
    const c = client as LegacyClient;
    const pending = c[PENDING];
    if (pending instanceof Promise) return pending;
    const found = this.bind(client, topic);
    c[PENDING] = found;
    // A topic naming no existing device binds nothing: the next one may still name the device.
    void found.then((id) => {
      if (!id && c[PENDING] === found) c[PENDING] = true;
    });
    return found;
  }

  private async bind(client: Client, topic: string): Promise<DeviceIdentity | null> {
    const m = LEGACY_TOPIC.exec(topic);
    const id = m ? parseDeviceName(`${m[1]}:${m[2]}`) : null;
    if (!id) return null;
    if (!(await this.devices.deviceExists(id.tenant, id.device))) {
      this.log.debug({ tenant: id.tenant, device: id.device }, 'legacy client names no existing device');
      return null;
    }
    setIdentity(client, id);
    this.sessions.add(client);
    this.log.info(
      { tenant: id.tenant, device: id.device, clientId: client.id },
      'legacy client identified by its topic (insecure)',
    );
    return id;
  }
}
