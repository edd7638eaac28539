// `cron`: creates a job in the platform's scheduler (its id goes to outJobId), or removes the
// job whose id is at inJobId. The scheduler checks the spec and its errors name the bad field.
import { setPath } from '../_shared/msg.js';
import { runTransform } from '../_shared/node-base.js';
import { servicesOf, type NodeDef, type Red, type RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { jobIdToRemove, jobSpec } from './logic.js';

export = function register(RED: Red): void {
  function Cron(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runTransform(RED, this, def, 'cron', parse, async (cfg, msg) => {
      const { cron } = servicesOf(RED);
      if (cfg.operation === 'REMOVE') {
        const id = jobIdToRemove(cfg, msg);
        if (id instanceof Error) throw id;
        await cron.remove(id);
        return msg;
      }
      const spec = jobSpec(cfg, msg);
      if (spec instanceof Error) throw spec;
      const id = await cron.create(spec);
      if (cfg.outJobId) setPath(msg, cfg.outJobId, id);
      return msg;
    });
  }
  RED.nodes.registerType('cron', Cron);
};
