// How `dojot-red load` samples publish→stored: a worker follows one message at a time and polls
// the history API until the message's row shows. The sampling is load on the platform under test,
// so the run's sample rate is fixed (not per worker), and polls thin out while a sample waits: 20
// workers sampling 4 a second each, polling every 5 ms, made ~44 samples and hundreds of requests a
// second in a 100,000-device run, more the slower the platform got.

/** Samples the whole run starts per second, shared by its workers. */
export const STORED_SAMPLES_PER_SECOND = 4;
/** First poll after the publish, ms; also the shortest wait between two polls. */
export const FIRST_POLL_MS = 5;
/** Later polls wait this share of the time waited so far: a figure is late by at most ~10 %. */
const POLL_SHARE = 0.1;

/** Least time between one worker's samples, ms. */
export function sampleEveryMs(workers: number): number {
  return Math.round((1000 * Math.max(1, workers)) / STORED_SAMPLES_PER_SECOND);
}

/** How long to wait before the next poll of a sample published `waitedMs` ago. */
export function nextPollMs(waitedMs: number): number {
  return Math.max(FIRST_POLL_MS, waitedMs * POLL_SHARE);
}
