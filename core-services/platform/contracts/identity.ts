/** Who is calling, taken from a verified platform token. */
export interface Identity {
  tenant: string;
  username: string;
  userid: number;
  profile: string;
  groups: number[];
}

/** Tenant names become Kafka topic prefixes and MQTT username parts: no '.', ':', '/' or spaces. */
export const TENANT_PATTERN = /^[a-z][a-z0-9_]{0,29}$/;
