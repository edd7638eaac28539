import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { crashReason } from './tenant-runtime.js';

/** What a real Node process writes to stderr when it dies. */
function stderrOf(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('close', () => resolve(err));
  });
}

describe('why a tenant runtime died', () => {
  it('names the heap cap when V8 ran out of memory', async function () {
    this.timeout(30_000);
    const stderr = await stderrOf([
      '--max-old-space-size=16',
      '-e',
      'const a = []; for (;;) a.push(new Array(1e5).fill(1));',
    ]);
    assert.equal(crashReason(stderr, 16), 'out of memory (heap capped at 16 MB: DOJOT_RUNTIME_MAX_OLD_SPACE_MB)');
  });

  it('says crashed for any other death', async () => {
    const stderr = await stderrOf(['-e', 'throw new Error("boom")']);
    assert.equal(crashReason(stderr, 256), 'crashed');
  });
});
