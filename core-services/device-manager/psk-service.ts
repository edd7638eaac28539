// Pre-shared keys (dojot's gen_psk and copy): a random key of key_length bytes per attribute of
// value_type "psk", answered once in hex when made and kept only sealed (psk-seal.ts). No other
// answer or event carries it. A copy re-seals the source's key for the target row; both devices
// are looked up in the caller's tenant, so a key never crosses tenants.
import { randomBytes } from 'node:crypto';
import type { Sql, Store } from '../platform/store/index.js';
import type { FullDevice } from './client.js';
import { getDeviceRows, loadFullDevices } from './device-store.js';
import { DmErrors } from './errors.js';
import { deviceEvent, type EventPublisher } from './events.js';
import { loadPskKey, open, seal } from './psk-seal.js';

/** dojot's bounds for key_length, bytes. */
export const MAX_PSK_BYTES = 1024;
export const PSK_VALUE_TYPE = 'psk';

/** key_length: a decimal integer in [1, 1024]; anything else is named in a 400. */
export function parseKeyLength(raw: unknown): number {
  if (raw === undefined) throw DmErrors.DM_PSK_BAD_LENGTH({ problem: 'is required (Missing key_length parameter)' });
  if (typeof raw !== 'string' || !/^\d{1,5}$/.test(raw))
    throw DmErrors.DM_PSK_BAD_LENGTH({
      problem: `must be an integer between 1 and ${MAX_PSK_BYTES}, got ${JSON.stringify(raw)}`,
    });
  const n = Number(raw);
  if (n < 1 || n > MAX_PSK_BYTES)
    throw DmErrors.DM_PSK_BAD_LENGTH({ problem: `must be between 1 and ${MAX_PSK_BYTES}, got ${n}` });
  return n;
}

function pskAttrs(device: FullDevice): Map<string, number> {
  const out = new Map<string, number>();
  for (const attrs of Object.values(device.attrs))
    for (const a of attrs) if (a.value_type === PSK_VALUE_TYPE) out.set(a.label, a.id);
  return out;
}

export class PskService {
  private key: Promise<Buffer> | null = null;

  constructor(
    private readonly store: Store,
    private readonly events: EventPublisher,
  ) {}

  /** POST /device/gen_psk/:id → [{"attribute", "psk"}], the keys in hex, this once. */
  async generate(
    tenant: string,
    id: string,
    keyLength: number,
    labels: string[] | undefined,
  ): Promise<{ attribute: string; psk: string }[]> {
    const key = await this.platformKey();
    const { device, answer } = await this.store.transaction(async (tx) => {
      const device = await this.lockedDevice(tx, tenant, id);
      const psk = pskAttrs(device);
      if (psk.size === 0) throw DmErrors.DM_PSK_NONE({ device: id });
      const wanted = labels ?? [...psk.keys()];
      for (const label of wanted) if (!psk.has(label)) throw DmErrors.DM_PSK_NOT_PSK({ device: id, label });
      const answer: { attribute: string; psk: string }[] = [];
      for (const label of new Set(wanted)) {
        const attrId = psk.get(label)!;
        const value = randomBytes(keyLength);
        await this.put(tx, tenant, id, attrId, seal(key, { tenant, device: id, attrId }, value));
        answer.push({ attribute: label, psk: value.toString('hex') });
      }
      return { device, answer };
    });
    await this.events.emit(tenant, [deviceEvent(tenant, 'update', device)]);
    return answer;
  }

  /** PUT /device/:id/attrs/:label/psk?from_dev_id&from_attr_label → the source's key, re-sealed. */
  async copy(
    tenant: string,
    toDevice: string,
    toLabel: string,
    from: { device?: unknown; label?: unknown },
  ): Promise<void> {
    if (typeof from.device !== 'string' || typeof from.label !== 'string' || !from.device || !from.label)
      throw DmErrors.DM_PSK_MISSING_PARAM();
    const fromDevice = from.device;
    const fromLabel = from.label;
    const key = await this.platformKey();
    const target = await this.store.transaction(async (tx) => {
      const source = await this.lockedDevice(tx, tenant, fromDevice);
      const target = fromDevice === toDevice ? source : await this.lockedDevice(tx, tenant, toDevice);
      const fromAttr = pskAttrs(source).get(fromLabel);
      if (fromAttr === undefined) throw DmErrors.DM_PSK_NOT_PSK({ device: fromDevice, label: fromLabel });
      const toAttr = pskAttrs(target).get(toLabel);
      if (toAttr === undefined) throw DmErrors.DM_PSK_NOT_PSK({ device: toDevice, label: toLabel });
      const [row] = await tx.query<{ sealed: string }>(
        'SELECT sealed FROM dm_psk WHERE tenant = $1 AND device_id = $2 AND attr_id = $3',
        [tenant, fromDevice, fromAttr],
      );
      if (!row) throw DmErrors.DM_PSK_NOT_SET({ device: fromDevice, label: fromLabel });
      const value = open(key, { tenant, device: fromDevice, attrId: fromAttr }, row.sealed);
      await this.put(tx, tenant, toDevice, toAttr, seal(key, { tenant, device: toDevice, attrId: toAttr }, value));
      return target;
    });
    await this.events.emit(tenant, [deviceEvent(tenant, 'update', target)]);
  }

  private platformKey(): Promise<Buffer> {
    this.key ??= loadPskKey(this.store).catch((err) => {
      this.key = null;
      throw err;
    });
    return this.key;
  }

  private async put(tx: Sql, tenant: string, device: string, attrId: number, sealed: string): Promise<void> {
    await tx.query(
      `INSERT INTO dm_psk (tenant, device_id, attr_id, sealed) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant, device_id, attr_id) DO UPDATE SET sealed = EXCLUDED.sealed, created = now()`,
      [tenant, device, attrId, sealed],
    );
  }

  private async lockedDevice(tx: Sql, tenant: string, id: string): Promise<FullDevice> {
    if ((await getDeviceRows(tx, tenant, [id], true)).length === 0) throw DmErrors.DM_NO_SUCH_DEVICE({ id });
    return (await loadFullDevices(tx, tenant, [id]))[0];
  }
}
