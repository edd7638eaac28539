import { pathField } from '../_shared/config-error.js';

/** The keys of dojot's `merge data` (§5.3). */
export const KEYS = ['name', 'targetData', 'mergedData'] as const;

export interface MergeDataConfig {
  targetData: string;
  mergedData: string;
}

export const parse = (def: Record<string, unknown>): MergeDataConfig => ({
  targetData: pathField(def, 'targetData'),
  mergedData: pathField(def, 'mergedData'),
});
