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

/** A template as data-manager exports it (dojot's export: no created, updated, data_attrs, config_attrs). */
export interface ExportedTemplate {
  id: number;
  label: string;
  attrs: AttrView[];
}

/** A device as data-manager exports it: only the attributes whose static value it overrides. */
export interface ExportedDevice {
  id: string;
  label: string;
  templates: number[];
  attrs: AttrView[];
}

/** One service's share of an all-or-nothing import: SQL inside the importer's transaction, then events. */
export interface ImportStep {
  apply(tx: import('../platform/store/index.js').Sql): Promise<void>;
  after(): Promise<void>;
}

/** What data-manager uses of device-manager. */
export interface DeviceTransferClient {
  exportConfig(tenant: string): Promise<{ templates: ExportedTemplate[]; devices: ExportedDevice[] }>;
  /** Validates the whole file's templates and devices (throws DM_IMPORT_INVALID naming the path) and returns the step that writes them. */
  prepareImport(tenant: string, templates: unknown, devices: unknown): ImportStep;
}
