// `dojot-red import-example <name>`: puts one of flows-examples/ into a running platform, as its
// README describes: creates the templates and devices of setup.json, writes their ids where
// flow.json has `${template:<ref>}` and `${device:<ref>}`, and POSTs the flow. The example tests
// import through importExample() too, so the command is what they prove.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../core-services/platform/paths.js';
import { CliError, signIn, type Call } from './rest-client.js';

const USAGE = `usage: dojot-red import-example <name> [--host localhost] [--port 8000] [--user admin] [--password admin]
Creates the example's templates, devices and flow in the user's tenant and prints their ids.`;

interface Setup {
  templates: { ref: string; label: string; attrs: unknown[] }[];
  devices: { ref: string; label: string; templates: string[] }[];
}

export interface ImportedExample {
  templates: Record<string, number>;
  devices: Record<string, string>;
  flowId: string;
}

const examplesDir = () => path.join(projectRoot(), 'flows-examples');

/** The examples' names (the folders of flows-examples/ that hold a flow). */
export function exampleNames(): string[] {
  return readdirSync(examplesDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(examplesDir(), d.name, 'flow.json')))
    .map((d) => d.name)
    .sort();
}

/** Imports the example through the platform's REST API; fails (CliError) on the first refused call. */
export async function importExample(api: Call, name: string): Promise<ImportedExample> {
  if (!exampleNames().includes(name))
    throw new CliError(`no example "${name}" (there are: ${exampleNames().join(', ')})`);
  const dir = path.join(examplesDir(), name);
  const setup = JSON.parse(readFileSync(path.join(dir, 'setup.json'), 'utf8')) as Setup;
  const templates: Record<string, number> = {};
  const devices: Record<string, string> = {};
  for (const t of setup.templates)
    templates[t.ref] = (await api('POST', '/template', { label: t.label, attrs: t.attrs })).template.id;
  for (const d of setup.devices) {
    const created = await api('POST', '/device', {
      label: d.label,
      templates: d.templates.map((ref) => templates[ref]),
    });
    devices[d.ref] = created.devices[0].id;
  }
  const text = readFileSync(path.join(dir, 'flow.json'), 'utf8').replace(
    /\$\{(template|device):([\w-]+)\}/g,
    (_m, kind: string, ref: string) => {
      const v = kind === 'template' ? templates[ref] : devices[ref];
      if (v === undefined)
        throw new CliError(`flow.json of ${name} names ${kind} "${ref}", which setup.json does not make`);
      return String(v);
    },
  );
  const flow = await api('POST', '/flows/v1/flow', JSON.parse(text));
  return { templates, devices, flowId: flow.flow.id };
}

export async function importExampleCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        host: { type: 'string', default: 'localhost' },
        port: { type: 'string', default: '8000' },
        user: { type: 'string', default: 'admin' },
        password: { type: 'string', default: 'admin' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`dojot-red import-example: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const list = `examples: ${exampleNames().join(', ')}`;
  if (values.help) return (process.stdout.write(`${USAGE}\n${list}\n`), 0);
  const name = positionals[0];
  if (!name || positionals.length > 1)
    return (process.stderr.write(`dojot-red import-example: name one example\n${USAGE}\n${list}\n`), 2);
  if (!exampleNames().includes(name))
    return (process.stderr.write(`dojot-red import-example: no example "${name}"\n${list}\n`), 2);
  try {
    const { api, tenant } = await signIn(`http://${values.host}:${values.port}`, values.user, values.password);
    const got = await importExample(api, name);
    const lines = [
      `imported ${name}: flow ${got.flowId}`,
      ...Object.entries(got.templates).map(([ref, id]) => `  template ${ref}: ${id}`),
      ...Object.entries(got.devices).map(([ref, id]) => `  device ${ref}: ${id}`),
      `what it does and how to drive it: flows-examples/${name}/README.md; a device publishes with`,
      `  mosquitto_pub -h ${values.host} -p 1883 -u ${tenant}:<device> -t ${tenant}:<device>/attrs -m '{"<attr>": <value>}'`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    process.stderr.write(`dojot-red import-example: ${err.message}\n`);
    return 1;
  }
}
