// The flags of `dojot-red load`, parsed and checked: a bad one is refused naming the flag.
import os from 'node:os';
import { parseArgs } from 'node:util';
import { compileTemplate, TemplateError, type PayloadTemplate } from './payload-template.js';
import type { Spread } from './report.js';

export const USAGE = `usage: dojot-red load [flags]
Simulates devices publishing to a running dojot-red platform and reports what it measured (docs/load.md).

  --host <name>              the platform's HTTP host (default localhost)
  --port <n>                 its HTTP port (default 8000)
  --mqtt-host <name>         its MQTT host (default: --host)
  --mqtt-port <n>            its MQTT port (default 1883; 8883 with --mqtts)
  --mqtts                    connect over mutual TLS: each device gets a certificate from the platform CA
  --user <name>              user whose tenant the devices belong to (default admin)
  --password <text>          (default admin)
  --devices <n>              devices to make over REST, one template and batches of POST /device?count= (default 100)
  --devices-file <path>      use these existing devices instead: one device id per line
  --keep-devices             keep the devices and template the run made (default: removed at the end)
  --rate <msg/s>             total publish rate over all devices (default 100)
  --duration <s>             publishing time (default 30)
  --ramp <s>                 time over which the connections are opened, before publishing (default 5; 0: at once)
  --qos <0|1>                (default 1)
  --keepalive <s>            each device's MQTT keep alive: it sends PINGREQ after this long without a packet
                             (default 60; 0: none)
  --payload <template>       JSON with {{seq}} {{rand A B}} {{randint A B}} {{now}} {{device}}
                             (default '{"temperature": {{rand 0 40}}, "n": {{seq}}}')
  --actuate-rate <n/s>       actuations (PUT /device/:id/actuate) to random devices per second, timed to the device (default 0: off)
  --actuator <label>         the actuator attribute the actuations set (default load_sent_at)
  --workers <n>              worker processes sharing the connections (default: one per 10,000 devices)
  --target-addresses <n>     connect to 127.0.0.1..127.0.0.<n> in turn: a platform on this machine listening on all
                             addresses (default: one per 10,000 devices when it answers on 127.0.0.2)
  --source-addresses <n>     bind the connections to 127.0.0.1..127.0.0.<n> in turn instead (the kernel's bind()
                             costs ~3 ms a connection at this scale; default: when the platform listens on one address)
  --verify <n>               devices whose stored messages are counted at the end, for the loss figure (default 500; 0: none)
  --settle <s>               longest wait for PUBACKs, stored rows and actuations after publishing ends (default 30)
  --flow-latency             also measure publish→flow: deploy a flow on the run's template that reports a sample
                             of messages as notifications (needs an attribute that is exactly {{now}} in --payload)
  --json                     print the report as JSON on stdout
  -h, --help                 this text`;

export class FlagError extends Error {}

/** Connections per worker process at most: well under the 20,000 open files a process may have here. */
export const MAX_PER_WORKER = 10_000;
// As full as a worker may be: every process is one more on the run queue of the box it measures
// (100,000 devices in 10 workers instead of 20: the load tool 69 -> 56 % of a core, PUBACK p50 50 -> 16 ms).
export const DEVICES_PER_WORKER = MAX_PER_WORKER;
/**
 * Connections to one platform address at most. Linux gives connect() the even ports of the
 * ephemeral range first (32768-60999 here: ~14,100 of them) and bind() the odd ones; past that a
 * connection costs a search through every port taken (measured here: ~0.1 ms a connection up to
 * 14,000 towards one address, ~2 ms after, all of it kernel time in the load tool's processes: a
 * 100,000-device ramp over 5 addresses crawled from 65,000 connections on).
 */
export const DEVICES_PER_ADDRESS = 10_000;

export interface LoadOptions {
  host: string;
  port: number;
  mqttHost: string;
  mqttPort: number;
  mqtts: boolean;
  user: string;
  password: string;
  devices: number;
  devicesFile: string | null;
  keepDevices: boolean;
  rate: number;
  durationS: number;
  rampS: number;
  qos: 0 | 1;
  keepaliveS: number;
  payload: string;
  template: PayloadTemplate;
  actuateRate: number;
  actuator: string;
  workers: number;
  sourceAddresses: number;
  targetAddresses: number;
  verify: number;
  settleS: number;
  flowLatency: boolean;
  json: boolean;
  help: boolean;
}

function num(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  { integer = false, min = 0, max = Infinity, positive = false } = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  const ok =
    String(raw).trim() !== '' &&
    Number.isFinite(n) &&
    (!integer || Number.isInteger(n)) &&
    n >= min &&
    n <= max &&
    (!positive || n > 0);
  if (!ok) {
    const what = `${integer ? 'an integer' : 'a number'}${positive ? ' greater than 0' : min > 0 || max < Infinity ? ` from ${min}` : ' not below 0'}${max < Infinity ? ` to ${max}` : ''}`;
    throw new FlagError(`--${name} must be ${what}, got "${raw}"`);
  }
  return n;
}

export function parseLoadFlags(argv: string[]): LoadOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'mqtt-host': { type: 'string' },
        'mqtt-port': { type: 'string' },
        mqtts: { type: 'boolean' },
        user: { type: 'string' },
        password: { type: 'string' },
        devices: { type: 'string' },
        'devices-file': { type: 'string' },
        'keep-devices': { type: 'boolean' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        ramp: { type: 'string' },
        qos: { type: 'string' },
        keepalive: { type: 'string' },
        payload: { type: 'string' },
        'actuate-rate': { type: 'string' },
        actuator: { type: 'string' },
        workers: { type: 'string' },
        'source-addresses': { type: 'string' },
        'target-addresses': { type: 'string' },
        verify: { type: 'string' },
        settle: { type: 'string' },
        'flow-latency': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // node names the flag: "Unknown option '--x'", "Option '--rate <value>' argument missing".
    throw new FlagError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const host = (values.host as string | undefined) ?? 'localhost';
  const mqtts = values.mqtts === true;
  const devicesFile = (values['devices-file'] as string | undefined) ?? null;
  if (devicesFile !== null && values.devices !== undefined)
    throw new FlagError('--devices and --devices-file exclude each other: make devices, or use those of the file');
  const devices = num(values, 'devices', 100, { integer: true, positive: true });
  const qos = num(values, 'qos', 1, { integer: true, max: 1 }) as 0 | 1;
  const payload = (values.payload as string | undefined) ?? '{"temperature": {{rand 0 40}}, "n": {{seq}}}';
  let template: PayloadTemplate;
  try {
    template = compileTemplate(payload);
  } catch (err) {
    if (err instanceof TemplateError) throw new FlagError(`--payload: ${err.message}`);
    throw err;
  }
  const flowLatency = values['flow-latency'] === true;
  if (flowLatency && devicesFile !== null)
    throw new FlagError('--flow-latency listens to the template the run makes: it cannot be used with --devices-file');
  if (flowLatency && template.nowAttr === null)
    throw new FlagError(
      `--flow-latency needs the send time in each message: give --payload an attribute whose value is exactly {{now}}, for example '{"temperature": {{rand 0 40}}, "sent": {{now}}}'`,
    );
  const actuator = (values.actuator as string | undefined) ?? 'load_sent_at';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(actuator))
    throw new FlagError(`--actuator must be an attribute label (letters, digits, _ and -), got "${actuator}"`);
  const mqttHost = (values['mqtt-host'] as string | undefined) ?? host;
  const sourceAddresses = num(values, 'source-addresses', 0, { integer: true, max: 254 });
  const targetAddresses = num(values, 'target-addresses', 0, { integer: true, max: 254 });
  const workers = num(values, 'workers', 0, { integer: true, max: Math.max(64, os.cpus().length * 8) });
  for (const [flag, n] of [
    ['--source-addresses', sourceAddresses],
    ['--target-addresses', targetAddresses],
  ] as const) {
    if (n > 1 && !isLoopback(mqttHost))
      throw new FlagError(
        `${flag} spreads connections over 127.0.0.x, which reaches only a platform on this machine (--mqtt-host is "${mqttHost}")`,
      );
  }
  if (sourceAddresses && targetAddresses)
    throw new FlagError('--source-addresses and --target-addresses are two ways to spread connections: give one');
  return {
    host,
    port: num(values, 'port', 8000, { integer: true, min: 1, max: 65535 }),
    mqttHost,
    mqttPort: num(values, 'mqtt-port', mqtts ? 8883 : 1883, { integer: true, min: 1, max: 65535 }),
    mqtts,
    user: (values.user as string | undefined) ?? 'admin',
    password: (values.password as string | undefined) ?? 'admin',
    devices,
    devicesFile,
    keepDevices: values['keep-devices'] === true,
    rate: num(values, 'rate', 100, { positive: true }),
    durationS: num(values, 'duration', 30, { positive: true }),
    rampS: num(values, 'ramp', 5),
    qos,
    // MQTT carries the keep alive in 16 bits [MQTT-3.1.2.10].
    keepaliveS: num(values, 'keepalive', 60, { integer: true, max: 65535 }),
    payload,
    template,
    actuateRate: num(values, 'actuate-rate', 0),
    actuator,
    workers,
    sourceAddresses,
    targetAddresses,
    verify: num(values, 'verify', 500, { integer: true }),
    settleS: num(values, 'settle', 30, { positive: true }),
    flowLatency,
    json: values.json === true,
    help: values.help === true,
  };
}

const isLoopback = (host: string) => /^(127\.|localhost$)/.test(host);
const loopback = (count: number) => Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);

/**
 * Workers and addresses for n devices: the flags' when given (checked), else enough. One address pair
 * has ~14,000 cheap ephemeral ports towards the platform's port: beyond DEVICES_PER_ADDRESS devices the
 * connections are spread over loopback addresses, by connecting to 127.0.0.x when the platform listens
 * on all addresses (`listensOnAll`: it answered on 127.0.0.2), else by binding to 127.0.0.x first,
 * which the kernel makes costly (a search for a free port at each bind).
 */
export function spread(o: LoadOptions, n: number, listensOnAll: boolean): Spread {
  const workers = o.workers || Math.max(1, Math.ceil(n / DEVICES_PER_WORKER));
  if (Math.ceil(n / workers) > MAX_PER_WORKER) {
    throw new FlagError(
      `--workers ${workers} would put ${Math.ceil(n / workers)} connections in one process; at most ${MAX_PER_WORKER} each (the open-file limit is 20,000): use --workers ${Math.ceil(n / MAX_PER_WORKER)} or more`,
    );
  }
  if (o.sourceAddresses) return { workers, sources: loopback(o.sourceAddresses), targets: [] };
  if (o.targetAddresses) return { workers, sources: [], targets: loopback(o.targetAddresses) };
  const count = isLoopback(o.mqttHost) ? Math.ceil(n / DEVICES_PER_ADDRESS) : 0;
  if (count <= 1) return { workers, sources: [], targets: [] };
  return listensOnAll
    ? { workers, sources: [], targets: loopback(count) }
    : { workers, sources: loopback(count), targets: [] };
}
