// mocha's settings for the three test targets, chosen by DOJOT_TEST_MODE (README, "Tests"):
//   unit      `npm run test:unit`: the *.test.ts beside their modules and test/unit/; no platform,
//             no outside service (test/helpers/unit-mode.js refuses both and fails the test).
//   embedded  `npm run test:e2e` (also when unset): test/*.test.ts, the platform in this process on embedded engines.
//   services  `npm run test:services`: the adapters' *.services.test.ts and test/*.test.ts again on
//             Kafka, PostgreSQL and Redis (test/helpers/services-mode.js).
// The spec globs apply only when no test file is named on the command line, so
// `npx mocha dist/test/x.test.js` runs that file alone rather than the whole target plus it.
const os = require('node:os');

const named = process.argv.slice(2).some((a) => !a.startsWith('-') && /\.test\.js$/.test(a));
const mode = process.env.DOJOT_TEST_MODE || 'embedded';

const UNIT = ['dist/core-services/**/*.test.js', 'dist/runtime/**/*.test.js', 'dist/test/unit/**/*.test.js'];
const SERVICE_SUITES = ['dist/core-services/**/*.services.test.js', 'dist/runtime/**/*.services.test.js'];
const E2E = ['dist/test/*.test.js'];
/** Files that set up their own engines, so a second run on the services adds nothing. */
const NOT_TWICE = [
  'start-stop',
  'scale-out',
  'scale-out-flows',
  'flows-kafka-runtime',
  'kafka-tenant-principal',
  'kafka-escape',
  'mqtt-worker-queue',
].map((name) => `dist/test/${name}.test.js`);

const TARGETS = {
  unit: { spec: UNIT, ignore: SERVICE_SUITES, require: ['dist/test/helpers/unit-mode.js'] },
  embedded: { spec: E2E, ignore: [], require: [] },
  services: { spec: [...SERVICE_SUITES, ...E2E], ignore: NOT_TWICE, require: ['dist/test/helpers/services-mode.js'] },
};
const target = TARGETS[mode];
if (!target) throw new Error(`DOJOT_TEST_MODE=${mode}: expected unit, services or nothing`);

module.exports = {
  spec: named ? [] : target.spec,
  ...(!named && target.ignore.length ? { ignore: target.ignore } : {}),
  // (an empty list would make mocha require "")
  ...(target.require.length ? { require: target.require } : {}),
  // The unit files share nothing, so they run side by side (each in a worker process).
  ...(mode === 'unit' && !named ? { parallel: true, jobs: Math.max(2, os.availableParallelism()) } : {}),
  reporter: 'scripts/mocha-slowest.cjs',
  timeout: 30000,
  exit: true,
  'enable-source-maps': true,
  color: false,
};
