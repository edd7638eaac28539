// After `tsc -p nodes/tsconfig.json`: puts each node's .html, locales/ and icons/ beside its
// compiled .js in dist/nodes, and writes dist/nodes/package.json (CommonJS, and the Node-RED
// module's node list: one entry per folder with a <name>.html). Also the runtime's own palette
// (runtime/palette: .html and package.json beside the .js tsc compiled): everything the platform
// loads is in dist/ once built, and nothing writes into the tree at run time.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'nodes');
const dst = path.join(root, 'dist', 'nodes');
const pkg = JSON.parse(readFileSync(path.join(src, 'package.json'), 'utf8'));
const nodes = {};
for (const name of readdirSync(src).sort()) {
  const dir = path.join(src, name);
  if (!existsSync(path.join(dir, `${name}.html`))) continue;
  mkdirSync(path.join(dst, name), { recursive: true });
  cpSync(path.join(dir, `${name}.html`), path.join(dst, name, `${name}.html`));
  for (const sub of ['locales', 'icons'])
    if (existsSync(path.join(dir, sub))) cpSync(path.join(dir, sub), path.join(dst, name, sub), { recursive: true });
  nodes[name] = `${name}/${name}.js`;
}
pkg['node-red'] = { ...pkg['node-red'], nodes };

const paletteSrc = path.join(root, 'runtime', 'palette');
const paletteDst = path.join(root, 'dist', 'runtime', 'palette');
mkdirSync(paletteDst, { recursive: true });
for (const f of readdirSync(paletteSrc))
  if (f.endsWith('.html') || f === 'package.json') cpSync(path.join(paletteSrc, f), path.join(paletteDst, f));
writeFileSync(path.join(dst, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');

// The example flows of flows-examples/, in Node-RED's import format (one tab each), so the editor
// lists them under Import › Examples › dojot-nodes; their ${device:…}/${template:…} placeholders
// are mapped to the tenant's own in the editor (editor-theme/assets/pickers.js). The example's
// setup.json rides on its tab as `dojot_setup`, so the editor can create those templates and
// devices when asked (a tab's extra property stays in the editor: a deploy sends its defaults only).
const examplesSrc = path.join(root, 'flows-examples');
const examplesDst = path.join(dst, 'examples');
mkdirSync(examplesDst, { recursive: true });
for (const name of readdirSync(examplesSrc).sort()) {
  const file = path.join(examplesSrc, name, 'flow.json');
  if (!existsSync(file)) continue;
  const { name: label, flow } = JSON.parse(readFileSync(file, 'utf8'));
  const tab = `example-${name}`;
  const readme = path.join(examplesSrc, name, 'README.md');
  const info = existsSync(readme) ? readFileSync(readme, 'utf8') : '';
  const setupFile = path.join(examplesSrc, name, 'setup.json');
  const setup = existsSync(setupFile) ? JSON.parse(readFileSync(setupFile, 'utf8')) : undefined;
  const nodes = [
    { id: tab, type: 'tab', label, info, ...(setup ? { dojot_setup: setup } : {}) },
    ...flow.map((n) => ({ ...n, z: tab })),
  ];
  writeFileSync(path.join(examplesDst, `${name}.json`), JSON.stringify(nodes, null, 2) + '\n');
}
