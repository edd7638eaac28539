// Deprecated `device out`: kept so old dojot flows import and run.
import { runPublisher } from '../_shared/publisher.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { deviceData } from './logic.js';

export = function register(RED: Red): void {
  function DeviceOut(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runPublisher(RED, this, def, 'device-out', parse, deviceData);
  }
  RED.nodes.registerType('device out', DeviceOut);
};
