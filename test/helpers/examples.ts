// Imports an example of flows-examples/ into a test platform with the code of
// `dojot-red import-example` (bin/import-example.ts), so the example tests prove the command.
import { importExample as importThroughApi, type ImportedExample } from '../../bin/import-example.js';
import { CliError } from '../../bin/rest-client.js';
import type { TestPlatform } from './start-platform.js';

export type { ImportedExample };

export function importExample(p: TestPlatform, jwt: string, name: string): Promise<ImportedExample> {
  return importThroughApi(async (method, url, body) => {
    const r = await p.api(jwt, method, url, body);
    if (r.status !== 200) throw new CliError(`${method} ${url} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }, name);
}
