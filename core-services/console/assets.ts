// The console's built files (vite's output in dist/console), read once at start into memory.
// Only files found there are ever served, so no request path can reach outside the folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Asset {
  body: Buffer;
  /** The same body gzipped, when that is smaller (text files). */
  gzip: Buffer | null;
  type: string;
  /** Vite names these by content hash: they never change under the same name. */
  immutable: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function walk(dir: string, base: string, out: Map<string, Asset>): void {
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    const rel = `${base}/${name}`;
    if (statSync(file).isDirectory()) {
      walk(file, rel, out);
      continue;
    }
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    const body = readFileSync(file);
    const zipped = type.startsWith('text/') || type.includes('svg') || type.includes('json') ? gzipSync(body) : null;
    out.set(rel, {
      body,
      gzip: zipped && zipped.length < body.length ? zipped : null,
      type,
      immutable: rel.startsWith('/assets/'),
    });
  }
}

/** url path under the console's base (e.g. "/assets/index-abc.js") → asset; empty when not built. */
export function loadAssets(dir: string): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (existsSync(dir)) walk(dir, '', out);
  return out;
}
