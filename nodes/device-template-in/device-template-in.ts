// Deprecated `device template in`: data published by any device of a template; msg.payload = data.attrs.
import { runHead } from '../_shared/head.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { accepts, matches, toMsg } from './logic.js';

export = function register(RED: Red): void {
  function DeviceTemplateIn(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let cfg;
    try {
      cfg = parse(def);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('device-template-in.status.bad-config') });
      this.error(err);
      return;
    }
    const c = cfg;
    runHead(RED, this, {
      catalog: 'device-template-in',
      subjects: ['device-data'],
      accepts,
      matches: (_raw, device) => matches(c, device),
      toMsg,
    });
  }
  RED.nodes.registerType('device template in', DeviceTemplateIn);
};
