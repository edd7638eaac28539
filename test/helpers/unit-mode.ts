// Root hooks for `npm run test:unit` (mocha --require): DOJOT_TEST_MODE=unit, so that starting a
// platform or asking for a service throws (unit-guard.ts), and the network guard, whose refused
// connections fail the test that made them.
import v8 from 'node:v8';
import { installNetGuard, takeRefused } from './unit-guard.js';

process.env.DOJOT_TEST_MODE = 'unit';
installNetGuard();

export const mochaHooks = {
  afterEach(this: Mocha.Context): void {
    const refused = takeRefused();
    if (refused.length)
      throw new Error(
        `${this.currentTest?.fullTitle() ?? 'a unit test'} tried ${refused.join('; ')}: a unit test uses no outside service`,
      );
  },
  afterAll(): void {
    // Under c8 (`npm run test:coverage`) each test file's coverage is written as soon as it is done:
    // mocha's worker processes write theirs only on exit, and one that takes over a second to exit
    // (a loaded machine) is killed by the worker pool, its coverage lost (a CI run fell to 38 %).
    if (process.env.NODE_V8_COVERAGE) v8.takeCoverage();
    const refused = takeRefused();
    if (refused.length)
      throw new Error(`a unit test's hook tried ${refused.join('; ')}: a unit test uses no outside service`);
  },
};
