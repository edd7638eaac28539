import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DropLog } from './drop-log.js';

describe('mqtt-agent drop log', () => {
  const capture = () => {
    const lines: {
      tenant: string;
      device: string;
      reason: string;
      dropped: number;
      reasons: Record<string, number>;
    }[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
    return { lines, log: pino({ level: 'info' }, sink) };
  };
  const settle = () => new Promise((r) => setImmediate(r));

  it("logs a device's dropped payloads once a minute, with how many and why since the last line", async () => {
    const { lines, log } = capture();
    const drops = new DropLog(log, 60_000);
    const t0 = 1_000_000;
    drops.dropped('acme', 'a1', 'not_object', t0);
    for (let i = 1; i <= 50; i++) drops.dropped('acme', 'a1', i % 2 ? 'bad_text' : 'too_deep', t0 + i * 1000);
    await settle();
    assert.equal(lines.length, 1);
    assert.deepEqual(
      [lines[0].tenant, lines[0].device, lines[0].reason, lines[0].dropped],
      ['acme', 'a1', 'not_object', 1],
    );
    drops.dropped('acme', 'a1', 'too_many_keys', t0 + 60_000);
    await settle();
    assert.equal(lines.length, 2);
    assert.equal(lines[1].dropped, 51);
    assert.deepEqual(lines[1].reasons, { bad_text: 25, too_deep: 25, too_many_keys: 1 });
  });

  it('logs each device on its own clock', async () => {
    const { lines, log } = capture();
    const drops = new DropLog(log, 60_000);
    for (const d of ['a1', 'b2', 'a1', 'b2', 'c3']) drops.dropped('acme', d, 'not_json', 5_000);
    await settle();
    assert.deepEqual(
      lines.map((l) => l.device),
      ['a1', 'b2', 'c3'],
    );
  });
});
