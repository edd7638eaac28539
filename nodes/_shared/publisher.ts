// The glue of the nodes that turn a message into bus messages (multi device out, multi actuate,
// device out, actuate, notification, publish-ftp): a bad config marks the node and drops its
// input; a bad message goes to done(err), so a Catch node sees it and the runtime goes on.
import { servicesOf, type Msg, type NodeDef, type Red, type RedNode } from './red.js';
import type { OutboundSubject } from './services.js';

export interface Outgoing {
  subject: OutboundSubject;
  key: string | null;
  value: unknown;
}

export type Build<C> = (cfg: C, msg: Msg, tenant: string, now: number) => Outgoing[] | Error;

export function runPublisher<C>(
  RED: Red,
  node: RedNode,
  def: NodeDef,
  catalog: string,
  parse: (def: NodeDef) => C,
  build: Build<C>,
): void {
  let cfg: C;
  try {
    cfg = parse(def);
  } catch (err) {
    node.status({ fill: 'red', shape: 'ring', text: RED._(`${catalog}.status.bad-config`) });
    node.error(err);
    node.on('input', (_msg, _send, done) => done());
    return;
  }
  node.on('input', (msg, _send, done) => {
    const services = RED.settings.dojot;
    if (!services) return done(new Error('this runtime offers no dojot services'));
    const out = build(cfg, msg, services.tenant, Date.now());
    if (out instanceof Error) return done(out);
    // One device's messages in order; the bus bridge sends one turn's messages as one batch.
    Promise.all(out.map((o) => servicesOf(RED).bus.publish(o.subject, o.key, o.value))).then(
      () => done(),
      (err: Error) => done(err),
    );
  });
}
