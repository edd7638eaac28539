import assert from 'node:assert/strict';
import { FIRST_POLL_MS, nextPollMs, sampleEveryMs, STORED_SAMPLES_PER_SECOND } from '../../bin/load/stored-sampling.js';

/** Polls a sample makes before its row shows `latencyMs` after the publish, each request taking `requestMs`. */
function pollsFor(latencyMs: number, requestMs: number): number {
  let t = FIRST_POLL_MS;
  let polls = 0;
  for (;;) {
    polls += 1;
    t += requestMs;
    if (t >= latencyMs) return polls;
    t += nextPollMs(t);
  }
}

describe('load tool: publish→stored sampling, the load it puts on the platform', () => {
  it('starts the same number of samples a second whatever the number of workers', () => {
    for (const workers of [1, 2, 7, 20, 40]) {
      const perSecond = (workers * 1000) / sampleEveryMs(workers);
      assert.ok(Math.abs(perSecond - STORED_SAMPLES_PER_SECOND) < 0.01, `${workers} workers: ${perSecond} a second`);
    }
  });

  it('polls a slow platform less often the longer a sample waits, and a fast one at once', () => {
    assert.equal(nextPollMs(0), FIRST_POLL_MS);
    assert.equal(pollsFor(3, 1), 1);
    assert.ok(pollsFor(20, 1) <= 4, `${pollsFor(20, 1)} polls for 20 ms`);
    // A sample that takes 5 s: a fixed 5 ms poll would ask ~1,000 times (~170 at 25 ms a request).
    assert.ok(pollsFor(5_000, 1) < 70, `${pollsFor(5_000, 1)} polls for 5 s`);
    assert.ok(pollsFor(5_000, 25) < 50, `${pollsFor(5_000, 25)} polls for 5 s at 25 ms a request`);
  });

  it('is late by at most a tenth of the latency (or the first poll)', () => {
    for (const waited of [10, 100, 1_000, 9_000]) assert.ok(nextPollMs(waited) <= Math.max(FIRST_POLL_MS, waited / 10));
  });
});
