// History retention (dojot's HISTORY_DB_DATA_EXPIRATION): readings older than
// DOJOT_HISTORY_RETENTION_SECONDS are deleted by the platform's periodic purge; recent ones stay.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './helpers/mqtt.js';
import { startTestPlatform } from './helpers/start-platform.js';

const HOUR_MS = 3_600_000;

describe('history retention', function () {
  this.timeout(120_000);
  let dataDir: string;
  before(() => (dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-retention-'))));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('deletes readings older than the retention, keeps recent ones, and keeps everything with 0', async () => {
    // First run keeps everything (0): an old and a recent reading are stored.
    let p = await startTestPlatform({ DOJOT_HISTORY_RETENTION_SECONDS: '0' }, { dataDir });
    let device: string;
    const values = async () => {
      const jwt = await p.login();
      const r = await p.api(jwt, 'GET', `/history/device/${device}/history?lastN=10&attr=t`);
      return Array.isArray(r.body) ? (r.body as { value: number }[]).map((e) => e.value).sort() : [];
    };
    try {
      const jwt = await p.login();
      const t = await p.api(jwt, 'POST', '/template', {
        label: 'kept',
        attrs: [{ label: 't', type: 'dynamic', value_type: 'integer' }],
      });
      device = (await p.api(jwt, 'POST', '/device', { label: 'kept', templates: [t.body.template.id] })).body.devices[0]
        .id;
      const reading = (ageMs: number, t: number) => ({
        metadata: { deviceid: device, tenant: 'admin', timestamp: Date.now() - ageMs },
        attrs: { t },
      });
      await p.bus.publishMany([
        { topic: 'admin.device-data', key: device, value: reading(2 * HOUR_MS, 1) },
        { topic: 'admin.device-data', key: device, value: reading(60_000, 2) },
      ]);
      await eventually(values, (v) => v.length === 2, 20_000);
    } finally {
      await p.close();
    }
    // Second run on the same data: one hour of retention, purged every second.
    p = await startTestPlatform(
      { DOJOT_HISTORY_RETENTION_SECONDS: '3600', DOJOT_HISTORY_PURGE_INTERVAL_SECONDS: '1' },
      { dataDir },
    );
    try {
      assert.deepEqual(await eventually(values, (v) => v.length === 1, 20_000), [2]);
    } finally {
      await p.close();
    }
  });
});
