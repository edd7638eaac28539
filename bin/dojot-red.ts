#!/usr/bin/env node
// `dojot-red` (npm start): runs the platform with DOJOT_* configuration until SIGINT/SIGTERM.
import { ConfigError, loadConfig } from '../core-services/platform/config.js';
import { createLogger } from '../core-services/platform/log.js';
import { startPlatform } from './platform.js';

const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`dojot-red: bad configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  let platform;
  try {
    platform = await startPlatform(config, log);
  } catch (err) {
    log.fatal({ err }, `dojot-red could not start: ${(err as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS).unref();
    void platform.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// `dojot-red certreq ...` gets a device certificate from a running platform (bin/certreq.ts).
// `dojot-red import-example <name>` puts an example of flows-examples/ into it (bin/import-example.ts).
// `dojot-red load ...` puts simulated devices' load on it and reports what it measured (bin/load/).
if (process.argv[2] === 'certreq')
  void import('./certreq.js').then(async (m) => process.exit(await m.certreq(process.argv.slice(3))));
else if (process.argv[2] === 'import-example')
  void import('./import-example.js').then(async (m) =>
    process.exit(await m.importExampleCommand(process.argv.slice(3))),
  );
else if (process.argv[2] === 'load')
  void import('./load/command.js').then(async (m) => process.exit(await m.loadCommand(process.argv.slice(3))));
else void main();
