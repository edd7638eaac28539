// One simulated device's MQTT 3.1.1 session for `dojot-red load`, on mqtt-packet (the encoder and
// parser mqtt.js and aedes are built on). A load worker holds ~15,000 of these: mqtt.js gives each
// client its own stream wrappers, message store and keep-alive timer, and was the largest user of
// CPU in a 100,000-device run on two cores, where every cycle the simulator spends is taken from
// the platform it measures. This client keeps only what a device of the load needs: CONNECT,
// PUBLISH at QoS 0/1 with its PUBACK, SUBSCRIBE to its config topic, PUBACK for what arrives,
// and PINGREQ when it has sent nothing for its keep alive (driven by one sweep per worker).
import type { Duplex } from 'node:stream';
import mqttPacket, { type Packet } from 'mqtt-packet';

/** CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3). */
const REFUSED: Record<number, string> = {
  1: 'Unacceptable protocol version',
  2: 'Identifier rejected',
  3: 'Server unavailable',
  4: 'Bad user name or password',
  5: 'Not authorized',
};

export interface DeviceClientOptions {
  username: string;
  clientId: string;
  /** MQTT keep alive, s (0: none). */
  keepaliveS: number;
  /** Longest wait from the stream's creation to the CONNACK, ms. */
  connectTimeoutMs: number;
}

export interface DeviceClientEvents {
  /** The CONNACK accepted the session. */
  connect(): void;
  /** Anything that ends the session before or after the CONNACK; `err` is absent for a close asked for. */
  close(err?: Error): void;
  /** A PUBLISH from the broker (already acknowledged when QoS 1). */
  message(topic: string, payload: Buffer): void;
}

type Done = (err?: Error) => void;

export class DeviceClient {
  connected = false;
  /** Date.now() of the last packet written; the keep-alive sweep reads it. */
  lastSentAt = 0;
  /** A PINGREQ is unanswered since this time (0: none). */
  pingSentAt = 0;
  private closed = false;
  private ending = false;
  private lastId = 0;
  /** QoS 1 PUBLISH and SUBSCRIBE waiting for their acknowledgement, by packet id. */
  private readonly awaiting = new Map<number, Done>();
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private connectTimer: NodeJS.Timeout | null;

  constructor(
    private readonly stream: Duplex,
    private readonly o: DeviceClientOptions,
    private readonly on: DeviceClientEvents,
  ) {
    this.parser.on('packet', (p: Packet) => this.received(p));
    this.parser.on('error', (err: Error) => this.destroy(new Error(`bad packet from broker: ${err.message}`)));
    stream.on('data', (chunk: Buffer) => this.parser.parse(chunk));
    stream.on('error', (err) => this.destroy(err));
    stream.on('close', () => this.destroy(this.ending ? undefined : new Error('connection closed')));
    this.connectTimer = setTimeout(() => this.destroy(new Error('no CONNACK in time')), o.connectTimeoutMs);
    // Written at once: a socket (or TLS) still connecting holds it until it can send.
    this.write({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: o.clientId,
      keepalive: o.keepaliveS,
      username: o.username,
    });
  }

  /** QoS 1: `done` on the PUBACK. QoS 0: once the packet is handed to the socket. */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1, done: Done): void {
    if (!this.connected) return done(new Error('not connected'));
    if (qos === 0) {
      this.write({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }, done);
      return;
    }
    const messageId = this.newId();
    this.awaiting.set(messageId, done);
    this.write({ cmd: 'publish', topic, payload, qos: 1, messageId, retain: false, dup: false });
  }

  /** `done` on the SUBACK; an error if the broker refused the subscription (return code 0x80). */
  subscribe(topic: string, qos: 0 | 1, done: Done): void {
    if (!this.connected) return done(new Error('not connected'));
    const messageId = this.newId();
    this.awaiting.set(messageId, done);
    this.write({ cmd: 'subscribe', messageId, subscriptions: [{ topic, qos }] });
  }

  /** Called by the worker's sweep: a PINGREQ when idle for the keep alive; gone when the broker stayed silent. */
  keepAlive(now: number): void {
    if (!this.connected || this.o.keepaliveS === 0) return;
    const keepaliveMs = this.o.keepaliveS * 1000;
    if (this.pingSentAt && now - this.pingSentAt >= keepaliveMs) {
      this.destroy(new Error('keepalive timeout'));
    } else if (!this.pingSentAt && now - this.lastSentAt >= keepaliveMs) {
      this.pingSentAt = now;
      this.write({ cmd: 'pingreq' });
    }
  }

  /** DISCONNECT and close; resolves when the stream is closed. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ending = true;
    return new Promise((resolve) => {
      this.stream.once('close', () => resolve());
      if (this.connected) this.write({ cmd: 'disconnect' });
      this.stream.end();
    });
  }

  /** Closes at once; whatever waits for an acknowledgement fails with `err`. */
  destroy(err?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.stream.destroy();
    const lost = err ?? new Error('client closed');
    for (const done of this.awaiting.values()) done(lost);
    this.awaiting.clear();
    this.on.close(err);
  }

  private received(p: Packet): void {
    switch (p.cmd) {
      case 'connack':
        if (this.connected) return this.destroy(new Error('second CONNACK'));
        if (this.connectTimer) clearTimeout(this.connectTimer);
        this.connectTimer = null;
        if (p.returnCode !== 0) {
          const why = REFUSED[p.returnCode ?? -1] ?? `return code ${p.returnCode}`;
          return this.destroy(new Error(`Connection refused: ${why}`));
        }
        this.connected = true;
        return this.on.connect();
      case 'puback':
        return this.acknowledged(p.messageId);
      case 'suback':
        return this.acknowledged(
          p.messageId,
          (p.granted as (number | { qos?: number })[]).some((g) => (typeof g === 'number' ? g : (g.qos ?? 0)) >= 0x80)
            ? new Error('subscription refused')
            : undefined,
        );
      case 'publish':
        if (p.qos === 1 && p.messageId !== undefined) this.write({ cmd: 'puback', messageId: p.messageId });
        return this.on.message(p.topic, Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload));
      case 'pingresp':
        this.pingSentAt = 0;
        return;
      default:
        return this.destroy(new Error(`unexpected ${p.cmd} from broker`));
    }
  }

  private acknowledged(messageId: number | undefined, err?: Error): void {
    const done = messageId === undefined ? undefined : this.awaiting.get(messageId);
    if (!done) return this.destroy(new Error('acknowledgement of nothing sent'));
    this.awaiting.delete(messageId!);
    done(err);
  }

  /** The next packet id (1–65535) not waiting for an acknowledgement. */
  private newId(): number {
    if (this.awaiting.size >= 65535) throw new Error('65,535 packets awaiting acknowledgement');
    do this.lastId = (this.lastId % 65535) + 1;
    while (this.awaiting.has(this.lastId));
    return this.lastId;
  }

  private write(packet: Packet, done?: Done): void {
    this.lastSentAt = Date.now();
    this.stream.write(mqttPacket.generate(packet), done ? (err) => done(err ?? undefined) : undefined);
  }
}
