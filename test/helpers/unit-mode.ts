// Root hooks for `npm run test:unit` (mocha --require): DOJOT_TEST_MODE=unit, so that starting a
// platform or asking for a service throws (unit-guard.ts), and the network guard, whose refused
// connections fail the test that made them.
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
    const refused = takeRefused();
    if (refused.length)
      throw new Error(`a unit test's hook tried ${refused.join('; ')}: a unit test uses no outside service`);
  },
};
