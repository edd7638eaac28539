// Two plain nodes on the tenant's bus, category "dojot": `dojot bus in` emits every message of
// one of the tenant's subjects; `dojot bus out` publishes msg.payload on one. The richer dojot
// nodes (event device in, multi device out, ...) build on the same RED.settings.dojot.bus.
// CommonJS because Node-RED `require`s node files.

interface BusMessage {
  subject: string;
  key: string | null;
  value: unknown;
  id: string;
  timestamp: number;
}
interface Bus {
  subscribe(subject: string, handler: (m: BusMessage) => void): () => void;
  publish(subject: string, key: string | null, value: unknown): Promise<void>;
}
interface NodeDef {
  name?: string;
  subject?: string;
}
interface Msg {
  payload?: unknown;
  topic?: string;
  key?: string | null;
  [k: string]: unknown;
}
interface RedNode {
  send(msg: Msg): void;
  on(ev: 'input', fn: (msg: Msg, send: (m: Msg) => void, done: (err?: Error) => void) => void): void;
  on(ev: 'close', fn: () => void): void;
  status(s: Record<string, string>): void;
}
interface Red {
  nodes: { createNode(node: RedNode, def: NodeDef): void; registerType(type: string, ctor: unknown): void };
  settings: { dojot?: { bus: Bus } };
}

export = function register(RED: Red): void {
  function DojotBusIn(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const bus = RED.settings.dojot?.bus;
    if (!bus) {
      this.status({ fill: 'red', shape: 'ring', text: 'no bus' });
      return;
    }
    const stop = bus.subscribe(def.subject ?? 'device-data', (m) => {
      this.send({ payload: m.value, topic: m.subject, key: m.key, _busId: m.id, timestamp: m.timestamp });
    });
    this.on('close', stop);
  }
  function DojotBusOut(this: RedNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const bus = RED.settings.dojot?.bus;
    this.on('input', (msg, _send, done) => {
      if (!bus) return done(new Error('no bus in this runtime'));
      const key = typeof msg.key === 'string' ? msg.key : null;
      bus.publish(def.subject ?? 'device-data', key, msg.payload).then(() => done(), done);
    });
  }
  RED.nodes.registerType('dojot bus in', DojotBusIn);
  RED.nodes.registerType('dojot bus out', DojotBusOut);
};
