// `merge data`: deep-merges the object at targetData into what the node keeps (its persistent
// context) and writes the result at mergedData: pieces of data arriving in separate messages
// (several devices, several readings) become one object.
import { ConfigError } from '../_shared/config-error.js';
import { getPath, setPath } from '../_shared/msg.js';
import { persistentStore, runTransform } from '../_shared/node-base.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { deepMerge } from './logic.js';

const KEY = 'mergedData';

export = function register(RED: Red): void {
  function MergeData(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const store = persistentStore(RED);
    runTransform(RED, this, def, 'merge-data', parse, (cfg, msg, node) => {
      const incoming = getPath(msg, cfg.targetData);
      if (incoming === null || typeof incoming !== 'object' || Array.isArray(incoming))
        throw new ConfigError(cfg.targetData, 'must hold an object');
      const ctx = node.context();
      const merged = deepMerge(ctx.get(KEY, store), incoming as Record<string, unknown>);
      ctx.set(KEY, merged, store);
      setPath(msg, cfg.mergedData, JSON.parse(JSON.stringify(merged)));
      return msg;
    });
  }
  RED.nodes.registerType('merge data', MergeData);
};
