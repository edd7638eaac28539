// Deprecated `actuate`: kept so old dojot flows import and run.
import { runPublisher } from '../_shared/publisher.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { configureEvent } from './logic.js';

export = function register(RED: Red): void {
  function Actuate(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runPublisher(RED, this, def, 'actuate', parse, configureEvent);
  }
  RED.nodes.registerType('actuate', Actuate);
};
