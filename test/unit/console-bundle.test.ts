// The web console's first load stays small: at most 300 KB of gzipped JavaScript, counted from
// what dist/console/index.html loads at once (its module script and the modules it preloads).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../../core-services/platform/paths.js';

export const FIRST_LOAD_JS_LIMIT = 300 * 1024;

/** The JavaScript files a browser fetches on opening the console, by their path under dist/console. */
export function firstLoadScripts(html: string): string[] {
  const found = [
    ...html.matchAll(/<script[^>]*\bsrc="\/console\/([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="\/console\/([^"]+\.js)"/g),
  ].map((m) => m[1]);
  return [...new Set(found)];
}

describe('web console bundle', () => {
  it('loads at most 300 KB of gzipped JavaScript on first load', () => {
    const dir = path.join(projectRoot(), 'dist', 'console');
    const index = path.join(dir, 'index.html');
    assert.ok(existsSync(index), 'dist/console/index.html is missing: npm run build builds the console');
    const scripts = firstLoadScripts(readFileSync(index, 'utf8'));
    assert.ok(scripts.length > 0, 'index.html loads no script');
    const sizes = scripts.map((s) => gzipSync(readFileSync(path.join(dir, s)), { level: 9 }).length);
    const total = sizes.reduce((a, b) => a + b, 0);
    assert.ok(
      total <= FIRST_LOAD_JS_LIMIT,
      `first load is ${(total / 1024).toFixed(1)} KB gzipped (${scripts.join(', ')}), over ${FIRST_LOAD_JS_LIMIT / 1024} KB`,
    );
  });
});
