// `npm run bench -- <scenario> [--flag value ...]`: runs one benchmark and prints its numbers
// with the conditions they were measured under.
//   ingest          MQTT publishers → agent → bus → history rows: throughput and latency
//   history-insert  the history INSERT alone: with ON CONFLICT, its first try without, no key at all
//   lastn           history reads (lastN, every attr, date windows, latest) at tens of millions of
//                   rows on a PostgreSQL server (DOJOT_POSTGRES_URL; bench/lastn.ts)
//   purge           the history retention's purge at millions of rows on a PostgreSQL server
//   mqtt-scale      100,000 devices through `dojot-red load` on MQTT workers; a PNG over time
//   flow            MQTT → a 4-node flow, on the platform and on a plain Node-RED (bench/flow.ts)
//   tenants         N tenants with a flow each, 10 % active, hibernation on: memory, latency, wake (bench/tenants.ts)
// Each scenario's module is loaded only when it runs, so one scenario's dependencies cannot
// stop another from running.

type Flags = Record<string, string>;

const SCENARIOS: Record<string, { usage: string; run: (flags: Flags) => Promise<void> }> = {
  ingest: {
    usage:
      'ingest [--mode embedded|kafka] [--brokers host:port] [--postgres url] [--publishers 20] [--messages 100000] [--rate 5000] [--seconds 10] [--window 64] [--batch-rows N] [--flush-ms N] [--mqtt-workers 0]',
    run: async (f) => (await import('./ingest.js')).runIngest(f),
  },
  'history-insert': {
    usage: 'history-insert [--rows 200000] [--batch 2000] [--devices 100]',
    run: async (f) => (await import('./history-insert.js')).runHistoryInsert(f),
  },
  lastn: {
    usage:
      'lastn [--rows 20000000] [--devices 2000] [--attrs 5] [--hot 2] [--queries 500] [--seed 1] [--schema bench_lastn] [--refill] [--drop]  (needs DOJOT_POSTGRES_URL or --postgres url)',
    run: async (f) => (await import('./lastn.js')).runLastN(f),
  },
  purge: {
    usage: 'purge [--rows 4000000] [--devices 2000] [--attrs 5] [--retention-days 15]  (needs DOJOT_POSTGRES_URL)',
    run: async (f) => (await import('./purge.js')).runPurge(f),
  },
  'mqtt-scale': {
    usage:
      'mqtt-scale [--devices 100000] [--rate 3333] [--minutes 5] [--mqtt-workers n] [--actuate-rate 10] [--ramp s] [--png file] [--workers n] [--source-addresses n | --target-addresses n] [--load-nice 10] [--verify n] [--settle s] [--keepalive 60]  (bench/mqtt-scale.sh)',
    run: async (f) => (await import('./mqtt-scale.js')).runMqttScale(f),
  },
  flow: {
    usage:
      'flow [--messages 20000] [--rounds 3] [--memory-mb 256] [--function-timeout 5] [--mode embedded|kafka] [--brokers 127.0.0.1:9092]',
    run: async (f) => (await import('./flow.js')).runFlowBench(f),
  },
  tenants: {
    usage:
      'tenants [--tenants 1000] [--active-pct 10] [--idle-seconds 30] [--interval-ms 1000] [--seconds 30] [--concurrency 4] [--sample 10] [--wakes 3] [--sandbox off]',
    run: async (f) => (await import('./tenants.js')).runTenantsBench(f),
  },
};

function parseFlags(args: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const [k, inline] = a.slice(2).split('=', 2);
    // A flag followed by another flag (or by nothing) is a switch: --refill, --drop.
    flags[k] = inline ?? (args[i + 1] !== undefined && !args[i + 1].startsWith('--') ? args[++i] : '');
  }
  return flags;
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) {
    console.error(
      `usage: npm run bench -- <scenario> [flags]\n${Object.values(SCENARIOS)
        .map((s) => `  ${s.usage}`)
        .join('\n')}`,
    );
    process.exit(2);
  }
  await scenario.run(parseFlags(rest));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
