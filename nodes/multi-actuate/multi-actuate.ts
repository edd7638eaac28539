// `multi actuate`: sends configure events to devices (they reach real devices over MQTT).
import { runPublisher } from '../_shared/publisher.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { configureEvents } from './logic.js';

export = function register(RED: Red): void {
  function MultiActuate(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runPublisher(RED, this, def, 'multi-actuate', parse, configureEvents);
  }
  RED.nodes.registerType('multi actuate', MultiActuate);
};
