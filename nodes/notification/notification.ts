// `notification`: a static or dynamic message plus metadata, for the tenant's users; history
// keeps it when metaAttrsFilter.shouldPersist (GET /history/notifications/history).
import { runPublisher } from '../_shared/publisher.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { notification } from './logic.js';

export = function register(RED: Red): void {
  function Notification(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runPublisher(RED, this, def, 'notification', parse, notification);
  }
  RED.nodes.registerType('notification', Notification);
};
