// The glue every head node shares: listen to the tenant's device subjects, decide cheaply on the
// raw message, look the device up (static values, template membership) only when needed, emit.
// Lookups of one device share one promise, so messages of a device keep their order.
import { headEvent, rawEvent, type HeadEvent, type RawEvent } from './event.js';
import { servicesOf, type Msg, type Red, type RedNode } from './red.js';
import type { BusDelivery, DeviceView, InboundSubject } from './services.js';

export interface HeadSpec {
  /** The node's catalog name (its status texts). */
  catalog: string;
  subjects: InboundSubject[];
  /** Decides on the message alone, before any lookup. */
  accepts(raw: RawEvent): boolean;
  /** Decides with the device (null when unknown); absent = accept. */
  matches?(raw: RawEvent, device: DeviceView | null): boolean;
  toMsg(ev: HeadEvent): Msg;
  /** The one device the node is configured with: an id the tenant does not have gets a red status. */
  deviceId?: string;
}

export function runHead(RED: Red, node: RedNode, spec: HeadSpec): void {
  let services;
  try {
    services = servicesOf(RED);
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: RED._(`${spec.catalog}.status.no-services`) });
    node.error(err);
    return;
  }
  const { tenant, bus, devices } = services;
  // A device id the tenant does not have (a typo, a deleted device) is shown on the node, not
  // left to deploy silently; a message of that device later (it was created) clears the mark.
  let markedUnknown = false;
  if (spec.deviceId) {
    const id = spec.deviceId;
    devices.get(id).then(
      (device) => {
        if (device) return;
        markedUnknown = true;
        node.status({ fill: 'red', shape: 'ring', text: RED._(`${spec.catalog}.status.unknown-device`, { id }) });
      },
      () => undefined,
    );
  }
  const onMessage = (d: BusDelivery) => {
    const raw = rawEvent(d);
    if (!raw || !spec.accepts(raw)) return;
    const needsDevice =
      raw.event === 'publish' || raw.event === 'configure' || (spec.matches !== undefined && raw.templates === null);
    const lookup = needsDevice ? devices.get(raw.deviceId) : Promise.resolve(null);
    lookup
      .then((device) => {
        if (markedUnknown && device && raw.deviceId === spec.deviceId) {
          markedUnknown = false;
          node.status({});
        }
        if (spec.matches && !spec.matches(raw, device)) return;
        // `_dojot.originator`: the device that started the flow, for output nodes set to `self`
        // (dojot kept it in the task's metadata, outside msg).
        node.send({ ...spec.toMsg(headEvent(raw, tenant, device)), _dojot: { originator: raw.deviceId } });
      })
      .catch((err: Error) => node.error(err));
  };
  const stops = spec.subjects.map((s) => bus.subscribe(s, onMessage));
  node.on('close', (_removed, done) => {
    for (const stop of stops) stop();
    done();
  });
}
