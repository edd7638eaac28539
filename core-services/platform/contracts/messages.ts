// Message shapes on the bus, in dojot's format (§2.4, §3.1 of docs/dojot-compatibility.md).

export interface DeviceDataMessage {
  metadata: { deviceid: string; tenant: string; timestamp: number; [k: string]: unknown };
  attrs: Record<string, unknown>;
}

export type DeviceEventName = 'create' | 'update' | 'remove' | 'configure';

export interface DeviceEvent<D = unknown> {
  event: DeviceEventName | 'template.update';
  meta: { service: string; timestamp?: number; [k: string]: unknown };
  data: D;
}

export interface ConfigureData {
  id: string;
  attrs: Record<string, unknown>;
}

export interface TenancyEvent {
  type: 'CREATE' | 'DELETE';
  tenant: string;
}
