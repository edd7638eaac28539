// What sibling services (mqtt-agent, history, flows) may know of devices. The only file of
// device-manager that other services import.

export interface AttrView {
  id: number;
  label: string;
  type: string;
  value_type: string;
  static_value?: unknown;
  template_id: string;
  created: string;
  updated?: string;
  metadata?: AttrView[];
  is_static_overridden?: boolean;
}

/** dojot's FullDevice: attrs grouped by template id. */
export interface FullDevice {
  id: string;
  label: string;
  created: string;
  updated?: string;
  templates: number[];
  attrs: Record<string, AttrView[]>;
}

export interface DeviceManagerClient {
  getDevice(tenant: string, id: string): Promise<FullDevice | null>;
  /** Hot path of MQTT ingest: answered from a cache kept current by device events. */
  deviceExists(tenant: string, id: string): Promise<boolean>;
}
