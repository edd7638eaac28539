// Which devices an output node writes to (multi device out, multi actuate, device out, actuate):
//   self        the device that started the flow
//   configured  a fixed list of ids
//   dynamic     ids (a list or one id) read from the message
import { ConfigError, oneOf, pathField } from './config-error.js';
import { getPath } from './msg.js';
import type { Msg } from './red.js';

export const SOURCES = ['self', 'configured', 'dynamic'] as const;
export type DeviceSource = (typeof SOURCES)[number];

export interface TargetConfig {
  source: DeviceSource;
  configured: string[];
  /** Path to the ids, for `dynamic`. */
  dynamic: string;
  /** Path to the attrs object to send. */
  attrs: string;
}

/** The multi-device keys (§5.3): device_source, devices_source_configured, devices_source_dynamic, attrs. */
export function parseMulti(def: Record<string, unknown>): TargetConfig {
  const source = oneOf(def, 'device_source', SOURCES, 'self');
  const raw = def.devices_source_configured ?? [];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' && raw ? raw.split(',') : [];
  const configured = list.map((x) => String(x).trim()).filter(Boolean);
  if (source === 'configured' && configured.length === 0)
    throw new ConfigError('devices_source_configured', 'lists no device');
  const dynamic = source === 'dynamic' ? pathField(def, 'devices_source_dynamic') : '';
  return { source, configured, dynamic, attrs: pathField(def, 'attrs') };
}

/** The deprecated single-device keys (§5.3): device_source, _device_id, device_source_msg, attrs. */
export function parseSingle(def: Record<string, unknown>): TargetConfig {
  const source = oneOf(def, 'device_source', SOURCES, 'self');
  const id = typeof def._device_id === 'string' ? def._device_id.trim() : '';
  if (source === 'configured' && !id) throw new ConfigError('_device_id', 'is required');
  const dynamic = source === 'dynamic' ? pathField(def, 'device_source_msg') : '';
  return { source, configured: id ? [id] : [], dynamic, attrs: pathField(def, 'attrs') };
}

/** The target device ids, or an Error saying what the message lacks. */
export function targets(cfg: TargetConfig, msg: Msg): string[] | Error {
  if (cfg.source === 'configured') return cfg.configured;
  if (cfg.source === 'self') {
    const origin = (msg._dojot as { originator?: unknown } | undefined)?.originator ?? getPath(msg, 'payload.data.id');
    return typeof origin === 'string' && origin
      ? [origin]
      : new Error('no device started this flow (device_source is self)');
  }
  const v = getPath(msg, cfg.dynamic);
  const ids = Array.isArray(v) ? v : [v];
  if (ids.length === 0 || ids.some((x) => typeof x !== 'string' || !x))
    return new Error(`${cfg.dynamic} must hold a device id or a list of them`);
  return ids as string[];
}

/** The attrs to send, or an Error when the message has no object there. */
export function attrsOf(cfg: TargetConfig, msg: Msg): Record<string, unknown> | Error {
  const v = getPath(msg, cfg.attrs);
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return new Error(`${cfg.attrs} must hold an object of attributes`);
  return v as Record<string, unknown>;
}
