// Purge: how long the history retention's purge (core-services/history/retention.ts) takes on a
// PostgreSQL server, on the `lastn` bench's data shape in a schema of its own (bench_purge,
// filled anew each run, as the purge deletes it, and dropped at the end):
//   1. a first purge with half of the rows expired (a deployment that turns retention on),
//   2. the same again at once (nothing left to delete; the dead rows not vacuumed yet),
//   3. after VACUUM (what autovacuum does next),
//   4. an hour later: one hour of rows expired (the steady state, every purge interval).
import os from 'node:os';
import { HistoryRetention, type PurgeResult } from '../core-services/history/retention.js';
import { createLogger } from '../core-services/platform/log.js';
import { openPostgresStore } from '../core-services/platform/store/postgres.js';
import { END, SPAN_DAYS, TENANTS, dropSchema, ensureFilled, pointsOf, type Shape } from './lastn-fill.js';
import { conditions, fmt, intFlag } from './support.js';

const SCHEMA = 'bench_purge';
const HOUR_MS = 3_600_000;

export async function runPurge(flags: Record<string, string>): Promise<void> {
  const url = flags.postgres ?? process.env.DOJOT_POSTGRES_URL;
  if (!url) {
    console.error(
      'purge measures the history purge on a PostgreSQL server and needs one: set DOJOT_POSTGRES_URL, e.g.\n  DOJOT_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- purge',
    );
    process.exit(2);
  }
  const shape: Shape = {
    rows: intFlag(flags, 'rows', 4_000_000),
    devices: intFlag(flags, 'devices', 2_000),
    attrs: intFlag(flags, 'attrs', 5),
    hot: intFlag(flags, 'hot', 2),
  };
  const retentionDays = intFlag(flags, 'retention-days', SPAN_DAYS / 2);
  const store = await openPostgresStore({ url, schema: SCHEMA, poolSize: 4 });
  try {
    const load = os.loadavg();
    const fill = await ensureFilled(store, SCHEMA, shape, true);
    const [{ version }] = await store.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
    const { points } = pointsOf(shape);
    console.log('\npurge benchmark: HistoryRetention.purge() on device_history, one instance\n');
    console.log(
      conditions({
        postgres: `${version} at ${new URL(url).host}, schema ${SCHEMA}, pool 4`,
        rows: `${fmt(fill.rows)} in device_history; ${fmt(shape.devices)} devices over ${TENANTS} tenants × ${shape.attrs} attrs = ${fmt(shape.devices * shape.attrs)} series, ${fmt(points)} points per series over ${SPAN_DAYS} days`,
        retention: `${retentionDays} days`,
        'load avg': load.map((l) => l.toFixed(2)).join(' '),
      }),
    );
    const retention = new HistoryRetention({
      store,
      log: createLogger('error'),
      retentionSeconds: retentionDays * 86_400,
      intervalSeconds: 600,
    });
    const line = (what: string, r: PurgeResult) =>
      console.log(
        `  ${what.padEnd(52)} ${fmt(r.historyRows).padStart(10)} rows deleted, ${fmt(r.series)} series walked, ${fmt(r.ms / 1000, 2).padStart(6)} s`,
      );
    line('first purge (half the rows expired)', await retention.purge(END));
    line('again at once (nothing expired, dead rows not vacuumed)', await retention.purge(END));
    await store.exec('VACUUM device_history');
    line('after VACUUM (nothing expired)', await retention.purge(END));
    line('an hour later (one hour of rows expired)', await retention.purge(END + HOUR_MS));
  } finally {
    await dropSchema(store, SCHEMA).catch(() => {});
    await store.close();
  }
}
