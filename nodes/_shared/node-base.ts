// The glue of the nodes that transform a message (one input, one output): parse the config once
// (a bad one marks the node, is logged naming the field, and its messages are dropped), then run
// an async handler per message whose errors go to done(err), so Catch nodes see them.
import type { Msg, NodeDef, Red, RedNode, Send } from './red.js';

export type Handler<C> = (cfg: C, msg: Msg, node: RedNode) => Promise<Msg | null | undefined> | Msg | null | undefined;

export function runTransform<C>(
  RED: Red,
  node: RedNode,
  def: NodeDef,
  catalog: string,
  parse: (def: NodeDef) => C,
  handle: Handler<C>,
): C | null {
  let cfg: C;
  try {
    cfg = parse(def);
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: RED._(`${catalog}.status.bad-config`) });
    node.error(err);
    node.on('input', (_msg, _send, done) => done());
    return null;
  }
  node.on('input', (msg, send: Send, done) => {
    Promise.resolve()
      .then(() => handle(cfg, msg, node))
      .then(
        (out) => {
          if (out) send(out);
          done();
        },
        (err: Error) => done(err),
      );
  });
  return cfg;
}

/** The persistent context store when the runtime has one (it survives restarts), else the default. */
export function persistentStore(RED: Red): string | undefined {
  const storage = RED.settings.contextStorage as Record<string, unknown> | undefined;
  return storage?.persistent ? 'persistent' : undefined;
}
