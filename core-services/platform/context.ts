import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Bus } from './bus/index.js';
import type { Store } from './store/index.js';
import type { Cache } from './cache/index.js';

/** What every service is given by the composition root: nothing more is global. */
export interface PlatformContext {
  config: Readonly<Config>;
  log: Logger;
  bus: Bus;
  store: Store;
  cache: Cache;
}
