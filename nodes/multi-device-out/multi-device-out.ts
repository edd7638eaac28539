// `multi device out`: updates devices (virtual ones get history) by publishing device-data for them.
import { runPublisher } from '../_shared/publisher.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { deviceData } from './logic.js';

export = function register(RED: Red): void {
  function MultiDeviceOut(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runPublisher(RED, this, def, 'multi-device-out', parse, deviceData);
  }
  RED.nodes.registerType('multi device out', MultiDeviceOut);
};
