// `cumulative sum`: the sum of an attribute over the last N minutes, by message timestamp. The
// window is kept in the node's context, in the persistent store when the runtime has one, so it
// survives a restart of the runtime.
import { ConfigError } from '../_shared/config-error.js';
import { getPath, setPath } from '../_shared/msg.js';
import type { NodeDef, Red, RedNode } from '../_shared/red.js';
import { parse } from './config.js';
import { add, restore, toNumber } from './logic.js';

const KEY = 'cumulativeSum';

export = function register(RED: Red): void {
  function CumulativeSum(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    let cfg: ReturnType<typeof parse>;
    try {
      cfg = parse(def);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('cumulative-sum.status.bad-config') });
      this.error(err);
      this.on('input', (_m, _s, done) => done());
      return;
    }
    const storage = RED.settings.contextStorage as Record<string, unknown> | undefined;
    const store = storage?.persistent ? 'persistent' : undefined;
    const ctx = this.context();
    this.on('input', (msg, send, done) => {
      const value = toNumber(getPath(msg, cfg.targetAttribute));
      if (value === null)
        return done(
          new ConfigError(
            cfg.targetAttribute,
            `must hold a number (got ${JSON.stringify(getPath(msg, cfg.targetAttribute)) ?? 'nothing'})`,
          ),
        );
      const ts = toNumber(getPath(msg, cfg.timestamp));
      if (ts === null) return done(new ConfigError(cfg.timestamp, 'must hold a timestamp in ms'));
      const next = add(restore(ctx.get(KEY, store)), value, ts, cfg.windowMs);
      if (next instanceof Error) return done(next);
      ctx.set(KEY, next, store);
      setPath(msg, cfg.output, next.sum);
      send(msg);
      done();
    });
  }
  RED.nodes.registerType('cumulative sum', CumulativeSum);
};
