// `event device in`: starts a flow on one device's publish / configure events;
// msg.payload = {event, data:{id, attrs}, metadata:{tenant, timestamp, ...}}.
import { runHead } from '../_shared/head.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import type { InboundSubject } from '../_shared/services.js';
import { parse } from './config.js';
import { accepts } from './logic.js';

export = function register(RED: Red): void {
  function EventDeviceIn(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let cfg;
    try {
      cfg = parse(def);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('event-device-in.status.bad-config') });
      this.error(err);
      return;
    }
    const c = cfg;
    const subjects: InboundSubject[] = [];
    if (c.publish) subjects.push('device-data');
    if (c.configure) subjects.push('dojot.device-manager.device');
    runHead(RED, this, {
      catalog: 'event-device-in',
      deviceId: c.deviceId,
      subjects,
      accepts: (raw) => accepts(c, raw),
      toMsg: (ev) => ({ payload: ev }),
    });
  }
  RED.nodes.registerType('event device in', EventDeviceIn);
};
