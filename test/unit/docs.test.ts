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

  it('cites only sections of dojot-compatibility.md that exist (a bare §x.y is one of its sections)', () => {
    const sections = codesIn(doc('dojot-compatibility.md'), /^#{2,4} (\d+(?:\.\d+)*)\.? /gm);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'screenshots' ? [] : files(p);
        return /\.(ts|tsx|md|html|js|mjs)$/.test(e.name) ? [p] : [];
      });
    const dangling: string[] = [];
    let cited = 0;
    for (const file of [
      path.join(root, 'README.md'),
      ...[
        'bin',
        'core-services',
        'runtime',
        'nodes',
        'editor-theme',
        'flows-examples',
        'test',
        'docs',
        'console',
      ].flatMap((d) => (existsSync(path.join(root, d)) ? files(path.join(root, d)) : [])),
    ]) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // Another specification's sections are cited with its name on the line (RFC 5280 §4.1).
          if (/RFC \d|MQTT 3/.test(line)) return;
          for (const m of line.matchAll(/§(\d+(?:\.\d+)*)/g)) {
            cited += 1;
            if (!sections.has(m[1])) dangling.push(`${path.relative(root, file)}:${i + 1} §${m[1]}`);
          }
        });
    }
    assert.ok(cited > 50, `only ${cited} citations found: is the pattern right?`);
    assert.deepEqual(dangling, []);
  });

  it('errors.md gives every code its cause and a fix', () => {
    const rows = doc('errors.md')
      .split('\n')
      .filter((l) => /^\| `[A-Z]/.test(l));
    assert.ok(rows.length > 100);
    const bad = rows.filter((r) => {
      const cells = r
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((c) => c.trim());
      return cells.length !== 4 || !cells[2] || !cells[3];
    });
    assert.deepEqual(bad, []);
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
