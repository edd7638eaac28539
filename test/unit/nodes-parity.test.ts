// Each dojot node's editor defaults (its .html) list exactly the config keys its config.ts
// reads (KEYS), and every node folder has the files a node must have.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from '../../core-services/platform/paths.js';

const require = createRequire(import.meta.url);
const src = path.join(projectRoot(), 'nodes');
const names = readdirSync(src).filter((n) => existsSync(path.join(src, n, `${n}.html`)));

/** The keys of `defaults: { ... }` in the html (one per line, `key: { value: ... }`). */
function htmlDefaults(html: string): string[] {
  const block = /defaults:\s*\{([\s\S]*?)\n\s*\},/.exec(html)?.[1] ?? '';
  return [...block.matchAll(/^\s*([A-Za-z_][\w]*):\s*\{/gm)].map((m) => m[1]);
}

describe('dojot node files', () => {
  it('finds the node folders', () => assert.ok(names.length >= 8, names.join()));
  for (const name of names) {
    it(`${name} has its source, logic, config, help and catalog, and its html defaults match config.ts`, () => {
      for (const f of [`${name}.ts`, 'logic.ts', 'config.ts', `locales/en-US/${name}.json`])
        assert.ok(existsSync(path.join(src, name, f)), `${name}/${f}`);
      const html = readFileSync(path.join(src, name, `${name}.html`), 'utf8');
      assert.match(html, /category: 'dojot'/);
      assert.match(html, /data-help-name=/);
      const { KEYS } = require(path.join(projectRoot(), 'dist', 'nodes', name, 'config.js')) as { KEYS: string[] };
      assert.deepEqual([...htmlDefaults(html)].sort(), [...KEYS].sort());
    });
  }
});
