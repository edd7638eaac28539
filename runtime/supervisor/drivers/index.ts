// The driver table (DOJOT_RUNTIME_DRIVER): configuration picks how runtimes are started, never code.
import type { Config } from '../../../core-services/platform/config.js';
import type { Logger } from '../../../core-services/platform/log.js';
import type { Store } from '../../../core-services/platform/store/index.js';
import type { RuntimeDriver } from './driver.js';
import { LocalProcessDriver } from './local-process.js';
import { StubDriver } from './stub.js';

export type { RuntimeDriver, RuntimeProcess, RuntimeLaunch, RuntimeExit, IsolationReport } from './driver.js';

export interface DriverContext {
  config: Readonly<Config>;
  store: Store;
  log: Logger;
  projectRoot: string;
  /** Addresses the runtimes themselves must reach (their Kafka brokers), allowed through egress. */
  ownEgress: string[];
}

export const RUNTIME_DRIVERS: Record<Config['runtimeDriver'], (c: DriverContext) => RuntimeDriver> = {
  local: ({ config, store, log, projectRoot, ownEgress }) =>
    new LocalProcessDriver({
      store,
      log,
      projectRoot,
      dataDir: config.dataDir,
      nodesDirs: config.runtimeNodesDirs,
      uidRange: config.runtimeUidRange,
      maxRssMb: config.runtimeMaxRssMb,
      cpuShares: config.runtimeCpuShares,
      egressAllow: [...config.runtimeEgressAllow, ...ownEgress],
      off: new Set(config.runtimeSandboxOff),
    }),
  stub: () => new StubDriver(),
};

export function createRuntimeDriver(c: DriverContext): RuntimeDriver {
  return RUNTIME_DRIVERS[c.config.runtimeDriver](c);
}
