// `get context`: reads a tenant-layer (global) or flow-layer context value into the message.
// The persistent store is read first, then the default one, so values set by function nodes
// either way are found.
import { setPath } from '../_shared/msg.js';
import { persistentStore, runTransform } from '../_shared/node-base.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { contextName, scopeOf } from './logic.js';

export = function register(RED: Red): void {
  function GetContext(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const store = persistentStore(RED);
    runTransform(RED, this, def, 'get-context', parse, (cfg, msg, node) => {
      const name = contextName(cfg, msg);
      if (name instanceof Error) throw name;
      const ctx = node.context()[scopeOf(cfg)];
      let value = store ? ctx.get(name, store) : undefined;
      if (value === undefined) value = ctx.get(name);
      setPath(msg, cfg.output, value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
      return msg;
    });
  }
  RED.nodes.registerType('get context', GetContext);
};
