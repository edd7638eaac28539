// The cost of de-duplication: the same rows through three INSERTs. `conflict`: the primary key with the
// bus message id and ON CONFLICT DO NOTHING (what a batch holding a redelivered row is written with);
// `first try`: the same key, plain INSERT (how the persister writes a batch first); `no key`: a plain,
// non-unique (tenant, device_id, attr, ts) index and a plain INSERT. Rounds rotate the order so a
// busy neighbour on the machine hurts all alike.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSERT_DEDUP_SQL, INSERT_SQL } from '../core-services/history/writer.js';
import { loadConfig } from '../core-services/platform/config.js';
import { createStore } from '../core-services/platform/store/index.js';
import { Rows } from '../core-services/history/rows.js';
import { conditions, fmt, intFlag } from './support.js';

const KINDS = {
  conflict: INSERT_DEDUP_SQL,
  'first try': INSERT_SQL.replace('INSERT INTO device_history', 'INSERT INTO history_keyed'),
  'no key': INSERT_SQL.replace('INSERT INTO device_history', 'INSERT INTO history_plain'),
} as const;
type Kind = keyof typeof KINDS;
const ROUNDS = 6;

export async function runHistoryInsert(flags: Record<string, string>): Promise<void> {
  const rows = intFlag(flags, 'rows', 200_000);
  const batch = Math.max(1, intFlag(flags, 'batch', 2_000));
  const devices = Math.max(1, intFlag(flags, 'devices', 100));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'dojot-red-bench-'));
  const store = await createStore(loadConfig({ DOJOT_DATA_DIR: dataDir }));
  try {
    await store.exec(`CREATE TABLE history_plain (LIKE device_history INCLUDING DEFAULTS);
      CREATE INDEX history_plain_attr_ts ON history_plain (tenant, device_id, attr, ts);
      CREATE TABLE history_keyed (LIKE device_history INCLUDING DEFAULTS INCLUDING INDEXES);`);
    console.log('history-insert benchmark: one multi-row INSERT per batch, with and without the de-duplication key\n');
    console.log(
      conditions({
        store: `${store.kind} (files in ${dataDir})`,
        rows: `${fmt(rows)} per table in batches of ${fmt(batch)}, ${devices} devices, 1 attr, ${ROUNDS} rounds in rotating order`,
        conflict: 'PRIMARY KEY (tenant, device_id, attr, ts, msg_id) + ON CONFLICT DO NOTHING',
        'first try': "the same PRIMARY KEY, plain INSERT (the persister's first try of a batch)",
        'no key': 'INDEX (tenant, device_id, attr, ts), plain INSERT',
      }),
    );
    const kinds = Object.keys(KINDS) as Kind[];
    const time: Record<Kind, number> = { conflict: 0, 'first try': 0, 'no key': 0 };
    let seq = 0;
    const perRound = Math.ceil(rows / ROUNDS / batch);
    for (let round = 0; round < ROUNDS; round++) {
      const start = seq;
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(round + k) % kinds.length];
        seq = start; // every table gets the very same rows
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
          await store.query(KINDS[kind], [r.tenant, r.device, r.attr, r.ts, r.msgId, r.value, r.metadata]);
          time[kind] += performance.now() - t0;
        }
      }
    }
    const n = perRound * batch * ROUNDS;
    const rate = (ms: number) => n / (ms / 1000);
    console.log('\nresults');
    for (const kind of kinds) {
      const diff = (time[kind] / time['no key'] - 1) * 100;
      const more = kind === 'no key' ? '' : `, time per row ${diff >= 0 ? '+' : ''}${fmt(diff, 1)} % against no key`;
      console.log(`  ${kind.padEnd(10)} ${fmt(rate(time[kind]))} rows/s${more}`);
    }
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
