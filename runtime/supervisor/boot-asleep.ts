// Which tenants need their runtime at the platform's start. With hibernation on, a tenant whose
// flows only answer what comes to them (device messages, which the supervisor sees; requests, which
// go through its proxy) is left hibernating: it costs nothing until its first message or editor
// visit. Decided from the stored flow JSON alone, conservatively: a node type not known here to
// wait for input (a contributed node, say) counts as running on its own.
import type { NodeRedNode } from '../storage/config-split.js';

/**
 * Node types that do nothing until a message or a request reaches them (config nodes included:
 * they act only through the nodes that use them). `inject` and `function` are judged by their
 * settings; a subflow instance (`subflow:<id>`) by the nodes inside it, which are in the config too.
 */
const WAITS_FOR_INPUT = new Set([
  // structure
  'tab',
  'subflow',
  'group',
  'junction',
  'comment',
  'global-config',
  // core nodes
  'debug',
  'complete',
  'catch',
  'status',
  'link in',
  'link out',
  'link call',
  'switch',
  'change',
  'range',
  'template',
  'delay',
  'trigger',
  'rbe',
  'filter',
  'split',
  'join',
  'sort',
  'batch',
  'csv',
  'html',
  'json',
  'xml',
  'yaml',
  'http in',
  'http response',
  'http request',
  'http proxy',
  'tls-config',
  'mqtt out',
  'mqtt-broker',
  'websocket-listener',
  'websocket-client',
  // the platform's bus nodes and the dojot nodes that are not timers
  'dojot bus in',
  'dojot bus out',
  'device in',
  'device template in',
  'event device in',
  'event template in',
  'device out',
  'multi device out',
  'actuate',
  'multi actuate',
  'notification',
  'cumulative sum',
  'geofence',
  'get context',
  'merge data',
  'http',
  'ftp',
  'publish-ftp',
]);

const filled = (v: unknown): boolean => typeof v === 'string' && v.trim() !== '' && v.trim() !== '0';

/** Why a node may act without input (a timer, a start-up action, a connection of its own), or null. */
export function ownActivity(node: NodeRedNode): string | null {
  if (node.type === 'inject') {
    if (node.once === true || node.once === 'true') return 'an inject that fires at start';
    if (filled(node.repeat)) return 'an inject that repeats';
    if (filled(node.crontab)) return 'an inject on a schedule';
    return null;
  }
  if (node.type === 'function') return filled(node.initialize) ? 'a function with code that runs at start' : null;
  if (node.type.startsWith('subflow:')) return null;
  return WAITS_FOR_INPUT.has(node.type) ? null : `a "${node.type}" node`;
}

/** Whether a tenant's flows may do something without a device message or request (so its runtime must run). */
export function runsOnItsOwn(config: NodeRedNode[]): boolean {
  return config.some((n) => ownActivity(n) !== null);
}
