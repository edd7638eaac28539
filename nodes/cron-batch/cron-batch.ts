// `cron-batch`: creates (ids to outJobIds, in order) or removes many scheduler jobs at once.
// The batch must finish within `timeout` ms; jobs created before a failure stay (as in dojot),
// and the error says how many were.
import { setPath } from '../_shared/msg.js';
import { runTransform } from '../_shared/node-base.js';
import { servicesOf, type NodeDef, type Red, type RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { idsOf, specsOf, within } from './logic.js';

export = function register(RED: Red): void {
  function CronBatch(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    runTransform(RED, this, def, 'cron-batch', parse, async (cfg, msg) => {
      const { cron } = servicesOf(RED);
      if (cfg.operation === 'REMOVE') {
        const ids = idsOf(cfg, msg);
        if (ids instanceof Error) throw ids;
        const removed = await within(Promise.all(ids.map((id) => cron.remove(id))), cfg.timeoutMs);
        if (cfg.outJobIds)
          setPath(
            msg,
            cfg.outJobIds,
            ids.filter((_id, i) => removed[i]),
          );
        return msg;
      }
      const specs = specsOf(cfg, msg);
      if (specs instanceof Error) throw specs;
      const ids: string[] = [];
      const run = async () => {
        for (const [i, spec] of specs.entries()) {
          try {
            ids.push(await cron.create(spec));
          } catch (err) {
            throw new Error(`job ${i}: ${(err as Error).message} (${ids.length} created before it)`, {
              cause: err,
            });
          }
        }
      };
      await within(run(), cfg.timeoutMs);
      if (cfg.outJobIds) setPath(msg, cfg.outJobIds, ids);
      return msg;
    });
  }
  RED.nodes.registerType('cron-batch', CronBatch);
};
