// `event template in`: starts a flow on the events of every device built with a template.
import { runHead } from '../_shared/head.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import type { InboundSubject } from '../_shared/services.js';
import { parse } from './config.js';
import { accepts, matches } from './logic.js';

export = function register(RED: Red): void {
  function EventTemplateIn(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let cfg;
    try {
      cfg = parse(def);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('event-template-in.status.bad-config') });
      this.error(err);
      return;
    }
    const c = cfg;
    const subjects: InboundSubject[] = [];
    if (c.events.has('publish')) subjects.push('device-data');
    if ([...c.events].some((e) => e !== 'publish')) subjects.push('dojot.device-manager.device');
    runHead(RED, this, {
      catalog: 'event-template-in',
      subjects,
      accepts: (raw) => accepts(c, raw),
      matches: (raw, device) => matches(c, raw, device),
      toMsg: (ev) => ({ payload: ev }),
    });
  }
  RED.nodes.registerType('event template in', EventTemplateIn);
};
