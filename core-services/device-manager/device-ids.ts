// Device ids as dojot made them (docs/dojot-compatibility.md §2.3): '%05x' of a random integer in [0, 16^6), so
// 5 or 6 lower-case hex characters, drawn again when taken, giving up after 10 draws.
import { randomInt } from 'node:crypto';
import type { Sql } from '../platform/store/index.js';
import { existingDeviceIds } from './device-store.js';
import { DmErrors } from './errors.js';

/** 16^6: the number of distinct ids. */
const ID_SPACE = 16 ** 6;
const MAX_DRAWS = 10;

export type IdSource = () => string;

export const randomDeviceId: IdSource = () => randomInt(0, ID_SPACE).toString(16).padStart(5, '0');

/** n ids free in this tenant and distinct from each other; each slot gets at most 10 draws. */
export async function newDeviceIds(
  sql: Sql,
  tenant: string,
  n: number,
  draw: IdSource = randomDeviceId,
): Promise<string[]> {
  const chosen = new Set<string>();
  for (let round = 0; round < MAX_DRAWS && chosen.size < n; round++) {
    // Slots whose draw repeats an id already chosen or drawn this round are drawn again next round.
    const candidates = new Set<string>();
    const missing = n - chosen.size;
    for (let i = 0; i < missing; i++) {
      const id = draw();
      if (!chosen.has(id)) candidates.add(id);
    }
    if (candidates.size === 0) continue;
    const taken = await existingDeviceIds(sql, tenant, [...candidates]);
    for (const id of candidates) if (!taken.has(id)) chosen.add(id);
  }
  if (chosen.size < n) throw DmErrors.DM_ID_EXHAUSTED();
  return [...chosen];
}
