// Imports flow one way (docs/architecture.md): a service imports platform/ and a sibling's
// client.ts only; platform/ imports no service; runtime/ imports platform/, a service's client and,
// as types only, the nodes' contract (nodes/_shared/services.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../core-services/platform/paths.js';

const root = projectRoot();

function tsFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(tsFiles(p));
    else if (/\.tsx?$/.test(p) && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

interface Import {
  /** repo-relative */
  to: string;
  /** `import type … from` / `export type … from`: erased at compile time. */
  typeOnly: boolean;
}

function relativeImports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/(import|export)(\s+type\b)?[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ];
  return found.map((m) => ({
    to: path.relative(root, path.resolve(path.dirname(file), m[3] ?? m[4])),
    typeOnly: Boolean(m[2]),
  }));
}

/** The one file of nodes/ the runtime may import, as types only: the contract it implements for the nodes. */
const NODES_CONTRACT = path.join('nodes', '_shared', 'services.js');

/** May `from` (a repo-relative file) import `to` (a repo-relative path)? */
function allowed(from: string, { to, typeOnly }: Import): boolean {
  const [top, svc] = from.split(path.sep);
  const [toTop, toSvc, toFile] = to.split(path.sep);
  if (top === 'bin' || top === 'test' || top === 'bench') return true;
  // Tests and contract suites may use the shared test helpers (free ports, service checks).
  if (/\.(test|contract)\.ts$/.test(from) && to.startsWith(`test${path.sep}helpers${path.sep}`)) return true;
  if (top === 'core-services') {
    if (svc === 'platform') return toTop === 'core-services' && toSvc === 'platform';
    // The flow engine is a service too: others reach it through runtime/<part>/client.ts only.
    if (toTop === 'runtime') return toFile === 'client.js';
    if (toTop !== 'core-services') return false;
    if (from.endsWith('.test.ts') && toSvc === svc) return true;
    return toSvc === svc || toSvc === 'platform' || toFile === 'client.js';
  }
  if (top === 'runtime') {
    if (to === NODES_CONTRACT) return typeOnly;
    return toTop === 'runtime' || (toTop === 'core-services' && (toSvc === 'platform' || toFile === 'client.js'));
  }
  // A dojot node imports its own folder and nodes/_shared; nodes/_shared imports only itself.
  if (top === 'nodes') return toTop === 'nodes' && (toSvc === svc || toSvc === '_shared');
  return toTop === top;
}

describe('import boundaries', () => {
  it('keeps every import inside the table of docs/architecture.md', () => {
    const offences: string[] = [];
    for (const dir of ['core-services', 'runtime', 'nodes', 'editor-theme', 'flows-examples', 'console']) {
      for (const file of tsFiles(path.join(root, dir))) {
        const from = path.relative(root, file);
        for (const imp of relativeImports(file)) if (!allowed(from, imp)) offences.push(`${from} → ${imp.to}`);
      }
    }
    assert.deepEqual(offences, []);
  });

  it("lets the runtime import the nodes' contract as types only, and nothing else of nodes/", () => {
    const from = path.join('runtime', 'tenant', 'node-services.ts');
    assert.equal(allowed(from, { to: NODES_CONTRACT, typeOnly: true }), true);
    // A value import would load CommonJS nodes code into the ES-module runtime.
    assert.equal(allowed(from, { to: NODES_CONTRACT, typeOnly: false }), false);
    assert.equal(allowed(from, { to: path.join('nodes', '_shared', 'msg.js'), typeOnly: true }), false);
  });

  it("finds that the runtime takes the nodes' contract from nodes/_shared/services.ts (one definition)", () => {
    const uses = ['node-services.ts', 'bus-bridge.ts'].map((f) =>
      relativeImports(path.join(root, 'runtime', 'tenant', f)).some((i) => i.to === NODES_CONTRACT && i.typeOnly),
    );
    assert.deepEqual(uses, [true, true]);
  });
});
