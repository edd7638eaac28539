// A mocha reporter: the usual spec output, then the slowest tests and hooks of the run (a `before`
// hook that starts a platform is often where the time goes). `--reporter scripts/mocha-slowest.cjs`;
// DOJOT_TEST_SLOWEST sets how many are listed (15 by default, 0 for none).
'use strict';
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_HOOK_END, EVENT_TEST_END, EVENT_RUN_END } = Mocha.Runner.constants;

/** The file of a test or hook, relative to the working directory. */
function fileOf(runnable) {
  let node = runnable;
  while (node && !node.file) node = node.parent;
  return node ? path.relative(process.cwd(), node.file) : 'root hook';
}

class SlowestReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const count = Number(process.env.DOJOT_TEST_SLOWEST ?? 15);
    const seen = [];
    const note = (runnable) => {
      if (typeof runnable.duration === 'number')
        seen.push({ ms: runnable.duration, title: runnable.fullTitle(), file: fileOf(runnable) });
    };
    runner.on(EVENT_TEST_END, note);
    runner.on(EVENT_HOOK_END, note);
    // Registered after Spec's own handler, so the list comes after the passing/failing summary.
    runner.once(EVENT_RUN_END, () => {
      if (!(count > 0) || seen.length === 0) return;
      const slowest = seen.sort((a, b) => b.ms - a.ms).slice(0, count);
      const lines = slowest.map((s) => `  ${(s.ms / 1000).toFixed(1).padStart(7)} s  ${s.title}  (${s.file})`);
      process.stdout.write(`\n  slowest ${slowest.length} tests and hooks:\n${lines.join('\n')}\n\n`);
    });
  }
}

module.exports = SlowestReporter;
