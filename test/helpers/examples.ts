// Imports an example of flows-examples/ into a running platform as its README says: creates the
// templates and devices of setup.json, puts their ids in place of `${template:<ref>}` and
// `${device:<ref>}` in flow.json, and POSTs the flow. Resolves to the ids by ref.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../core-services/platform/paths.js';
import type { TestPlatform } from './start-platform.js';

interface Setup {
  templates: { ref: string; label: string; attrs: unknown[] }[];
  devices: { ref: string; label: string; templates: string[] }[];
}

export interface ImportedExample {
  templates: Record<string, number>;
  devices: Record<string, string>;
  flowId: string;
}

export async function importExample(p: TestPlatform, jwt: string, name: string): Promise<ImportedExample> {
  const dir = path.join(projectRoot(), 'flows-examples', name);
  const setup = JSON.parse(readFileSync(path.join(dir, 'setup.json'), 'utf8')) as Setup;
  const templates: Record<string, number> = {};
  const devices: Record<string, string> = {};
  for (const t of setup.templates) {
    const r = await p.api(jwt, 'POST', '/template', { label: t.label, attrs: t.attrs });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    templates[t.ref] = r.body.template.id;
  }
  for (const d of setup.devices) {
    const r = await p.api(jwt, 'POST', '/device', { label: d.label, templates: d.templates.map((ref) => templates[ref]) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    devices[d.ref] = r.body.devices[0].id;
  }
  const text = readFileSync(path.join(dir, 'flow.json'), 'utf8').replace(/\$\{(template|device):([\w-]+)\}/g, (_m, kind: string, ref: string) => {
    const v = kind === 'template' ? templates[ref] : devices[ref];
    assert.ok(v !== undefined, `${kind} ${ref} is not in setup.json`);
    return String(v);
  });
  const r = await p.api(jwt, 'POST', '/flows/v1/flow', JSON.parse(text));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { templates, devices, flowId: r.body.flow.id };
}
