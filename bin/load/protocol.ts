// Messages between `dojot-red load` (bin/load/command.ts) and its worker processes (bin/load/worker.ts).

export interface WorkerInit {
  type: 'init';
  index: number;
  tenant: string;
  devices: string[];
  mqttHost: string;
  mqttPort: number;
  /** MQTTS: the CA, the one key all devices share, and each device's certificate (same order as devices). */
  tls: { ca: string; key: string; certs: string[] } | null;
  /** Source addresses the devices' sockets bind to, round-robin; empty: the system picks. */
  sourceAddresses: string[];
  /** Addresses the devices connect to, round-robin, instead of mqttHost (a platform listening on all); empty: mqttHost. */
  targetAddresses: string[];
  qos: 0 | 1;
  /** MQTT keep alive of each device, s (0: none). */
  keepaliveS: number;
  /** This worker's share of the total rate, msg/s. */
  rate: number;
  rampMs: number;
  durationMs: number;
  payload: string;
  /** Subscribe each device to <tenant>:<device>/config and time the actuations arriving there. */
  actuations: { attr: string } | null;
  /**
   * Publish→stored samples read back through the history API, one at a time, started at least
   * `everyMs` apart (the run's sample rate shared by its workers); null: no sampling.
   */
  sampling: { base: string; token: string; seqAttr: string; everyMs: number } | null;
  /** Longest wait for the last PUBACKs after the last publish. */
  settleMs: number;
}

export type ParentCommand = WorkerInit | { type: 'start'; at: number } | { type: 'stop' };

/** Latencies a worker keeps per progress message for the live line (a cap, not a sample). */
export const WINDOW_CAP = 5_000;

export interface Progress {
  connected: number;
  sent: number;
  acked: number;
  errors: number;
  actuationsReceived: number;
}

export type WorkerMessage =
  | ({
      type: 'progress';
      /** PUBACK and actuation latencies (ms) since the last progress message, at most WINDOW_CAP each. */
      window: { pubackMs: number[]; actuationMs: number[] };
    } & Progress)
  | { type: 'connected'; connected: number; failed: number; firstAttempt: number; lastConnack: number }
  | {
      type: 'published';
      firstSend: number;
      lastSend: number;
      lastAck: number;
      /** Per device (same order as devices): messages sent, and acknowledged (QoS 1) or written to the socket (QoS 0). */
      sentPerDevice: number[];
      ackedPerDevice: number[];
      /** PUBACK latencies, ms (a uniform sample when there were very many), and the exact count and max. */
      pubackMs: number[];
      pubackCount: number;
      pubackMax: number;
      storedMs: number[];
    }
  | { type: 'closed'; actuationMs: number[]; errors: Record<string, number> };
