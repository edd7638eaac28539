// The cost of de-duplication: the history INSERT as the persister runs it (primary key with the
// bus message id, ON CONFLICT DO NOTHING) against the same rows in a table with a plain,
// non-unique (tenant, device_id, attr, ts) index and a plain INSERT. Rounds alternate between
// the two so a busy neighbour on the machine hurts both alike.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSERT_SQL } from '../core-services/history/writer.js';
import { loadConfig } from '../core-services/platform/config.js';
import { createStore } from '../core-services/platform/store/index.js';
import { Rows } from '../core-services/history/rows.js';
import { conditions, fmt, intFlag } from './support.js';

const PLAIN_SQL = INSERT_SQL.replace('INSERT INTO device_history', 'INSERT INTO history_plain').replace(
  'ON CONFLICT DO NOTHING',
  '',
);
const ROUNDS = 4;

export async function runHistoryInsert(flags: Record<string, string>): Promise<void> {
  const rows = intFlag(flags, 'rows', 200_000);
  const batch = Math.max(1, intFlag(flags, 'batch', 2_000));
  const devices = Math.max(1, intFlag(flags, 'devices', 100));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-bench-'));
  const store = await createStore(loadConfig({ DOJOT_DATA_DIR: dataDir }));
  try {
    await store.exec(`CREATE TABLE history_plain (LIKE device_history INCLUDING DEFAULTS);
      CREATE INDEX history_plain_attr_ts ON history_plain (tenant, device_id, attr, ts);`);
    console.log('history-insert benchmark: one multi-row INSERT per batch, with and without the de-duplication key\n');
    console.log(
      conditions({
        store: `${store.kind} (files in ${dataDir})`,
        rows: `${fmt(rows)} per table in batches of ${fmt(batch)}, ${devices} devices, 1 attr, ${ROUNDS} alternating rounds`,
        'with dedup': 'PRIMARY KEY (tenant, device_id, attr, ts, msg_id) + ON CONFLICT DO NOTHING',
        without: 'INDEX (tenant, device_id, attr, ts), plain INSERT',
      }),
    );
    const time = { dedup: 0, plain: 0 };
    let seq = 0;
    const perRound = Math.ceil(rows / ROUNDS / batch);
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of round % 2 === 0 ? (['dedup', 'plain'] as const) : (['plain', 'dedup'] as const)) {
        const start = seq;
        for (let b = 0; b < perRound; b++) {
          const r = new Rows();
          for (let i = 0; i < batch; i++, seq++)
            r.push(
              'bench',
              `d${seq % devices}`,
              'temperature',
              1_700_000_000_000 + seq,
              `bus-${seq}`,
              String(20 + (seq % 100) / 10),
              '{}',
            );
          const t0 = performance.now();
          await store.query(kind === 'dedup' ? INSERT_SQL : PLAIN_SQL, [
            r.tenant,
            r.device,
            r.attr,
            r.ts,
            r.msgId,
            r.value,
            r.metadata,
          ]);
          time[kind] += performance.now() - t0;
        }
        if (kind === 'dedup') seq = start; // both tables get the very same rows
      }
    }
    const n = perRound * batch * ROUNDS;
    const rate = (ms: number) => n / (ms / 1000);
    console.log('\nresults');
    console.log(`  ${'with dedup'.padEnd(14)} ${fmt(rate(time.dedup))} rows/s`);
    console.log(`  ${'without'.padEnd(14)} ${fmt(rate(time.plain))} rows/s`);
    console.log(`  ${'dedup cost'.padEnd(14)} ${fmt((time.dedup / time.plain - 1) * 100, 1)} % more time per row`);
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
