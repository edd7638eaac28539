import assert from 'node:assert/strict';
import { parseLoadFlags, spread } from '../../bin/load/flags.js';

describe('load tool: spreading the connections over processes and addresses', () => {
  it('keeps each platform address under the ~14,000 ports Linux gives connect() cheaply', () => {
    const o = parseLoadFlags(['--devices', '100000']);
    const s = spread(o, 100_000, true);
    assert.equal(s.targets.length, 10);
    assert.deepEqual(s.sources, []);
    assert.equal(s.targets[9], '127.0.0.10');
    assert.equal(s.workers, 10);
  });

  it('binds from as many source addresses when the platform listens on one address only', () => {
    const s = spread(parseLoadFlags(['--devices', '25000']), 25_000, false);
    assert.deepEqual(s.sources, ['127.0.0.1', '127.0.0.2', '127.0.0.3']);
    assert.deepEqual(s.targets, []);
  });

  it('needs no spreading for 10,000 devices, nor for a platform on another host', () => {
    assert.deepEqual(spread(parseLoadFlags(['--devices', '10000']), 10_000, true).targets, []);
    const remote = parseLoadFlags(['--devices', '100000', '--mqtt-host', '10.0.0.7']);
    assert.deepEqual(spread(remote, 100_000, true), { workers: 10, sources: [], targets: [] });
  });

  it('takes the addresses given, and refuses more connections per process than the open-file limit allows', () => {
    const o = parseLoadFlags(['--devices', '100000', '--source-addresses', '4']);
    assert.equal(spread(o, 100_000, true).sources.length, 4);
    assert.throws(
      () => spread(parseLoadFlags(['--devices', '100000', '--workers', '5']), 100_000, true),
      /at most 10000 each/,
    );
  });
});
