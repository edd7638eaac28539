// README's "Five minutes with it", run as written: its shell blocks, in order, in bash with the
// real curl, jq and mosquitto_pub, against a started platform (only the ports are changed). A
// command that fails, or an output other than the one the README shows, fails the test.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../core-services/platform/paths.js';
import { eventually } from './helpers/mqtt.js';
import { run } from './helpers/processes.js';
import { startTestPlatform, type TestPlatform } from './helpers/start-platform.js';

function walkthrough(): string[] {
  const readme = readFileSync(path.join(projectRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('## Five minutes with it');
  assert.ok(start >= 0, 'README has no "Five minutes with it" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe("the README's five-minute walk-through", function () {
  this.timeout(120_000);
  let p: TestPlatform;

  before(async () => {
    p = await startTestPlatform();
  });
  after(async () => p?.close());

  it('runs as written: template, device, flow, publish, history and the flow’s notification', async () => {
    const blocks = walkthrough();
    assert.equal(blocks.length, 6);
    const http = new URL(p.httpUrl);
    const local = (b: string) =>
      b.replaceAll('localhost:8000', `127.0.0.1:${http.port}`).replaceAll('-p 1883', `-p ${p.mqttPort}`);
    // Steps 1–5 once; their variables are handed to step 6, which is read again until the history
    // writer and the flow have caught up (the README reads at once; a busy machine may be slower).
    const first = await run(
      'bash',
      ['-c', ['set -euo pipefail', ...blocks.slice(0, 5).map(local), 'echo "vars ${JWT} ${DEVICE}"'].join('\n')],
      90_000,
    );
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    const lines = first.stdout.trim().split('\n');
    assert.match(lines[0], /^template \d+$/);
    assert.match(lines[1], /^device [0-9a-f]+$/);
    assert.equal(lines[2], 'ok');
    const [, jwt, device] = lines[3].split(' ');
    const last = await eventually(
      () => run('bash', ['-c', `set -euo pipefail; JWT='${jwt}'; DEVICE='${device}'\n${local(blocks[5])}`]),
      // Both readings and the notification: the flow may hear of 31 before the history writer has
      // stored it (on Kafka they are two consumers of the same topic).
      (r) => {
        const out = r.stdout.trim().split('\n');
        return r.code === 0 && out[1] === 'the kitchen is too hot' && /"value":31\b/.test(out[0] ?? '');
      },
      20_000,
    );
    assert.equal(last.code, 0, `${last.stdout}\n${last.stderr}`);
    assert.equal(last.stdout.trim().split('\n')[1], 'the kitchen is too hot');
    const history = JSON.parse(last.stdout.split('\n')[0]) as { value: number; attr: string }[];
    assert.deepEqual(
      history.map((h) => [h.attr, h.value]),
      [
        ['temperature', 31],
        ['temperature', 22.5],
      ],
    );
  });
});
