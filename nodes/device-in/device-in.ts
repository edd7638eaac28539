// Deprecated `device in`: kept so old dojot flows import and run; msg.payload = data.attrs.
import { runHead } from '../_shared/head.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { accepts, toMsg } from './logic.js';

export = function register(RED: Red): void {
  function DeviceIn(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let cfg;
    try {
      cfg = parse(def);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('device-in.status.bad-config') });
      this.error(err);
      return;
    }
    const c = cfg;
    runHead(RED, this, {
      catalog: 'device-in',
      deviceId: c.deviceId,
      subjects: ['device-data'],
      accepts: (raw) => accepts(c, raw),
      toMsg,
    });
  }
  RED.nodes.registerType('device in', DeviceIn);
};
