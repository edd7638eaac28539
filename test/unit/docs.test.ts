// The docs that list things the code defines must list exactly those things.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONFIG_SPEC } from '../../core-services/platform/config.js';
import { projectRoot } from '../../core-services/platform/paths.js';

const root = projectRoot();
const doc = (name: string) => readFileSync(path.join(root, 'docs', name), 'utf8');
const codesIn = (text: string, pattern: RegExp) => new Set([...text.matchAll(pattern)].map((m) => m[1]));

describe('docs', () => {
  it('configuration.md lists every DOJOT_* variable, and no other', () => {
    const documented = codesIn(doc('configuration.md'), /^\| `(DOJOT_[A-Z0-9_]+)` \|/gm);
    const defined = new Set(Object.values(CONFIG_SPEC).map((s) => s.env));
    assert.deepEqual([...documented].sort(), [...defined].sort());
  });

  it('errors.md lists every error code, and no other', async () => {
    const defined = new Set<string>();
    const dist = path.join(root, 'dist');
    const modules = ['core-services', 'runtime']
      .filter((top) => existsSync(path.join(dist, top)))
      .flatMap((top) => readdirSync(path.join(dist, top)).map((d) => path.join(dist, top, d, 'errors.js')))
      .filter((f) => existsSync(f));
    for (const file of modules) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, { table?: Record<string, unknown> }>;
      for (const exported of Object.values(mod))
        if (exported && typeof exported === 'object' && exported.table)
          for (const code of Object.keys(exported.table)) defined.add(code);
    }
    const documented = codesIn(doc('errors.md'), /^\| `([A-Z][A-Z0-9_]+)` \|/gm);
    assert.deepEqual([...documented].sort(), [...defined].sort());
  });
});
