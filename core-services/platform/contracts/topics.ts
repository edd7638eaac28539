// Bus topics are `<tenant>.<subject>` as in dojot (§0.3 of docs/dojot-compatibility.md).
//   admin.device-data                      {"metadata":{"deviceid","tenant","timestamp"},"attrs":{...}}
//   admin.dojot.device-manager.device      {"event":"create|update|remove|configure","meta":{"service"},"data":{...}}
//   admin.dojot.notifications              {"msgID","timestamp","message","metaAttrsFilter","subject"}
//   admin.dojot.ftp                        {"filename","encoding","content"}
//   dojot-management.dojot.tenancy         {"type":"CREATE|DELETE","tenant"}
//   admin.dojot-red.dead-letters           {"consumer","topic","key","id","timestamp","value","reason"} (from tenant runtimes on Kafka)

export const SUBJECTS = {
  deviceData: 'device-data',
  deviceManager: 'dojot.device-manager.device',
  notifications: 'dojot.notifications',
  ftp: 'dojot.ftp',
  tenancy: 'dojot.tenancy',
  deadLetters: 'dojot-red.dead-letters',
} as const;

export const MANAGEMENT_TENANT = 'dojot-management';
export const TENANCY_TOPIC = `${MANAGEMENT_TENANT}.${SUBJECTS.tenancy}`;
/** `{"changed": <ms>}` whenever permissions, groups or memberships change: instances drop cached decisions. */
export const POLICY_TOPIC = `${MANAGEMENT_TENANT}.dojot-red.auth.policy`;

export const topicOf = (tenant: string, subject: string): string => `${tenant}.${subject}`;

/** Matches `<tenant>.<subject>` for every tenant; the tenant is capture group 1. */
export const allTenants = (subject: string): RegExp =>
  new RegExp(`^([A-Za-z0-9_-]+)\\.${subject.replace(/[.-]/g, (c) => `\\${c}`)}$`);

export function tenantOfTopic(topic: string): string {
  const i = topic.indexOf('.');
  return i < 0 ? '' : topic.slice(0, i);
}
