// What the dojot nodes need of the platform, as `RED.settings.dojot` (owned by its consumer: the
// runtime implements it in runtime/tenant/node-services.ts). The one definition of this contract:
// the runtime imports these types (`import type`, nothing crosses into the CommonJS build), and
// the compiler checks them against the platform's own (subjects, job spec, device) there.
// The tenant is implied: a node can reach only its own tenant's subjects, devices and jobs.

/** Subjects a flow may listen to (dojot fed flows from these two, §5.2). */
export type InboundSubject = 'device-data' | 'dojot.device-manager.device';
/** Subjects a flow may publish to. */
export type OutboundSubject = 'device-data' | 'dojot.device-manager.device' | 'dojot.notifications' | 'dojot.ftp';

export interface BusDelivery {
  subject: InboundSubject;
  /** The device id for device messages. */
  key: string | null;
  value: unknown;
  id: string;
  /** epoch ms */
  timestamp: number;
}

export interface DeviceAttr {
  label: string;
  type: string;
  value_type: string;
  static_value?: unknown;
}

/** dojot's FullDevice (§2.3): attrs grouped by template id. */
export interface DeviceView {
  id: string;
  label: string;
  templates: number[];
  attrs: Record<string, DeviceAttr[]>;
}

/** dojot's cron job spec (§8). */
export interface CronJobSpec {
  time: string;
  timezone?: string;
  name?: string;
  description?: string;
  http?: { method: string; url: string; headers?: Record<string, string>; body?: unknown };
  broker?: { subject: string; message: unknown };
}

export interface NodeServices {
  readonly tenant: string;
  bus: {
    /** Returns the function that stops listening. */
    subscribe(subject: InboundSubject, handler: (m: BusDelivery) => void): () => void;
    /** Resolves once the bus holds the message. */
    publish(subject: OutboundSubject, key: string | null, value: unknown): Promise<void>;
  };
  devices: {
    /** The tenant's device, or null; answered from a cache kept current by device events. */
    get(id: string): Promise<DeviceView | null>;
  };
  cron: {
    /** Resolves to the job id; rejects naming the bad field of the spec. */
    create(spec: CronJobSpec, jobId?: string): Promise<string>;
    /** Resolves false when there is no such job. */
    remove(jobId: string): Promise<boolean>;
  };
}
