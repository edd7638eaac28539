import assert from 'node:assert/strict';
import net from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { DeviceClient, type DeviceClientEvents } from '../../bin/load/device-client.js';

/** A broker played by the test over real TCP: it records what a client sends and answers as told. */
class ScriptedBroker {
  readonly received: Packet[] = [];
  socket: net.Socket | null = null;
  private readonly server = net.createServer((s) => {
    this.socket = s;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on('packet', (p: Packet) => {
      this.received.push(p);
      this.answer(p, this);
    });
    s.on('data', (chunk) => parser.parse(chunk));
    s.on('error', () => {});
  });
  constructor(private readonly answer: (p: Packet, b: ScriptedBroker) => void) {}

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as net.AddressInfo).port;
  }
  send(p: Packet): void {
    this.socket!.write(mqttPacket.generate(p));
  }
  async waitFor(cmd: string, count = 1): Promise<Packet[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const got = this.received.filter((p) => p.cmd === cmd);
      if (got.length >= count) return got;
      if (Date.now() > deadline) throw new Error(`no ${cmd} from the client`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const accept = (p: Packet, b: ScriptedBroker) => {
  if (p.cmd === 'connect') b.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
};

interface Session {
  client: DeviceClient;
  connected: Promise<void>;
  closed: Promise<Error | undefined>;
  messages: [string, string][];
}

function open(port: number, keepaliveS = 60, connectTimeoutMs = 5000): Session {
  const messages: [string, string][] = [];
  let onConnect!: () => void;
  let onClose!: (err?: Error) => void;
  const connected = new Promise<void>((r) => (onConnect = r));
  const closed = new Promise<Error | undefined>((r) => (onClose = r));
  const events: DeviceClientEvents = {
    connect: () => onConnect(),
    close: (err) => onClose(err),
    message: (topic, payload) => messages.push([topic, payload.toString()]),
  };
  const client = new DeviceClient(
    net.createConnection({ host: '127.0.0.1', port }),
    { username: 't:d1', clientId: 'load-t-d1', keepaliveS, connectTimeoutMs },
    events,
  );
  return { client, connected, closed, messages };
}

describe('load tool: one simulated device over MQTT', () => {
  let broker: ScriptedBroker | null = null;
  afterEach(async () => {
    await broker?.close();
    broker = null;
  });

  it('sends its CONNECT with its identity and keep alive, and a QoS 1 publish is done only on its PUBACK', async () => {
    const pubacks: number[] = [];
    broker = new ScriptedBroker(accept);
    const s = open(await broker.listen(), 30);
    await s.connected;
    const [connect] = await broker.waitFor('connect');
    assert.equal(connect.cmd === 'connect' && connect.username, 't:d1');
    assert.equal(connect.cmd === 'connect' && connect.keepalive, 30);

    let done = 0;
    s.client.publish('t:d1/attrs', '{"a":1}', 1, (err) => {
      assert.equal(err, undefined);
      done += 1;
    });
    const [publish] = await broker.waitFor('publish');
    assert.ok(publish.cmd === 'publish' && publish.qos === 1 && publish.messageId);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(done, 0, 'done before the PUBACK');
    pubacks.push(publish.messageId!);
    broker.send({ cmd: 'puback', messageId: publish.messageId });
    const deadline = Date.now() + 5000;
    while (done === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(done, 1);
    await s.client.end();
    await broker.waitFor('disconnect');
    assert.equal(await s.closed, undefined, 'a close asked for carries no error');
  });

  it('reports a refused CONNACK by its reason', async () => {
    broker = new ScriptedBroker(
      (p, b) => p.cmd === 'connect' && b.send({ cmd: 'connack', returnCode: 5, sessionPresent: false }),
    );
    const s = open(await broker.listen());
    assert.match(String(await s.closed), /Connection refused: Not authorized/);
    assert.equal(s.client.connected, false);
  });

  it('gives up on a broker that never sends its CONNACK', async () => {
    broker = new ScriptedBroker(() => {});
    const s = open(await broker.listen(), 60, 100);
    assert.match(String(await s.closed), /no CONNACK in time/);
  });

  it('pings once idle for its keep alive, and closes when the broker stays silent for another', async () => {
    broker = new ScriptedBroker(accept);
    const s = open(await broker.listen(), 10);
    await s.connected;
    const t0 = s.client.lastSentAt;
    s.client.keepAlive(t0 + 9_000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(broker.received.filter((p) => p.cmd === 'pingreq').length, 0, 'pinged before its keep alive');
    s.client.keepAlive(t0 + 10_000);
    await broker.waitFor('pingreq');
    s.client.keepAlive(t0 + 15_000);
    assert.equal(s.client.connected, true);
    s.client.keepAlive(t0 + 20_000);
    assert.match(String(await s.closed), /keepalive timeout/);
  });

  it('stays up while the broker answers its pings', async () => {
    broker = new ScriptedBroker((p, b) => {
      accept(p, b);
      if (p.cmd === 'pingreq') b.send({ cmd: 'pingresp' });
    });
    const s = open(await broker.listen(), 10);
    await s.connected;
    const t0 = s.client.lastSentAt;
    s.client.keepAlive(t0 + 10_000);
    await broker.waitFor('pingreq');
    const deadline = Date.now() + 5000;
    while (s.client.pingSentAt !== 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    s.client.keepAlive(t0 + 20_000);
    assert.equal(s.client.connected, true);
    await broker.waitFor('pingreq', 2);
    await s.client.end();
  });

  it('fails the publishes awaiting a PUBACK when the connection is lost', async () => {
    broker = new ScriptedBroker(accept);
    const s = open(await broker.listen());
    await s.connected;
    const failed = new Promise<Error | undefined>((r) => s.client.publish('t:d1/attrs', '1', 1, r));
    await broker.waitFor('publish');
    broker.socket!.destroy();
    assert.match(String(await failed), /connection closed/);
    assert.match(String(await s.closed), /connection closed/);
    const late = await new Promise<Error | undefined>((r) => s.client.publish('t:d1/attrs', '2', 1, r));
    assert.match(String(late), /not connected/);
  });

  it('acknowledges a QoS 1 message from the broker and hands it on; a refused subscription is an error', async () => {
    broker = new ScriptedBroker((p, b) => {
      accept(p, b);
      if (p.cmd === 'subscribe') b.send({ cmd: 'suback', messageId: p.messageId, granted: [128] });
    });
    const s = open(await broker.listen());
    await s.connected;
    const refused = await new Promise<Error | undefined>((r) => s.client.subscribe('t:d1/config', 1, r));
    assert.match(String(refused), /subscription refused/);
    broker.send({
      cmd: 'publish',
      topic: 't:d1/config',
      payload: Buffer.from('{"on":true}'),
      qos: 1,
      messageId: 77,
      retain: false,
      dup: false,
    });
    const [puback] = await broker.waitFor('puback');
    assert.equal(puback.messageId, 77);
    assert.deepEqual(s.messages, [['t:d1/config', '{"on":true}']]);
    await s.client.end();
  });
});
