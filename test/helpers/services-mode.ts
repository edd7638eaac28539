// Root hooks for `npm run test:services` (mocha --require): the scenario suites run a second time
// against real Kafka, PostgreSQL and Redis (DOJOT_TEST_MODE=services, see start-platform.ts).
// If one of them is not configured, every test is skipped with one loud line; under CI=true the
// run fails instead (requireService decides).
import { requireService, type ServiceName } from './services.js';
import { dropKeptDeployments, servicesMode } from './start-platform.js';

const NEEDED: ServiceName[] = ['kafka', 'postgres', 'redis'];

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    if (!servicesMode()) return;
    this.timeout(30_000);
    for (const name of NEEDED) await requireService.call(this, name);
    process.stderr.write(
      `services mode: Kafka ${process.env.DOJOT_TEST_KAFKA_BROKERS}, PostgreSQL ${process.env.DOJOT_TEST_POSTGRES_URL}, Redis ${process.env.DOJOT_TEST_REDIS_URL}\n`,
    );
  },
  async afterAll(): Promise<void> {
    if (servicesMode()) await dropKeptDeployments();
  },
};
