// A tenant runtime: one Node-RED in its own process, started by the supervisor with its launch
// options as argv[2] (JSON) and an IPC channel. It serves the editor, admin API and the tenant's
// `http in` endpoints on a loopback port it reports with `ready`, and sends a heartbeat with its
// memory and message counts; a missing heartbeat means a blocked event loop to the supervisor.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import RED from 'node-red';
import { createLogger } from '../../core-services/platform/log.js';
import { IpcPeer, type TenantLaunchOptions, type TenantSide } from '../supervisor/ipc.js';
import { IpcBusBridge } from './bus-bridge.js';
import { createNodeServices } from './node-services.js';
import { ADMIN_ROOT, NODE_ROOT, tenantSettings } from './settings.js';

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as TenantLaunchOptions;
  const log = createLogger(opts.logLevel, 'dojot-red').child({ svc: 'flows', tenant: opts.tenant });
  if (!process.send) throw new Error('a tenant runtime must be started by the supervisor (no IPC channel)');
  const ipc: TenantSide = new IpcPeer((p) => process.send!(p));
  process.on('message', (m) => ipc.receive(m));
  // The supervisor went away: nothing may keep running on its own.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));

  // Node-RED expects a package.json in its user directory (it lists installed modules there).
  const userDir = path.join(opts.userDir, opts.tenant);
  mkdirSync(userDir, { recursive: true });
  const pkg = path.join(userDir, 'package.json');
  if (!existsSync(pkg)) writeFileSync(pkg, JSON.stringify({ name: `tenant-${opts.tenant}`, private: true }));
  const bus = new IpcBusBridge(opts.tenant, ipc);
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    // Node-RED's two express apps expect paths relative to their roots.
    const [root, app] = url.startsWith(NODE_ROOT) ? [NODE_ROOT, RED.httpNode] : [ADMIN_ROOT, RED.httpAdmin];
    if (!url.startsWith(root) && url !== root.slice(0, -1)) {
      res.writeHead(404).end();
      return;
    }
    req.url = url.slice(root.length - 1) || '/';
    app(req, res);
  });
  RED.init(server, tenantSettings(opts, ipc, log, createNodeServices(bus, ipc)));

  let nodeMessages = 0;
  RED.hooks.add('onSend.dojot', (events) => {
    nodeMessages += Array.isArray(events) ? events.length : 1;
  });

  ipc.serve('flows.reload', async () => {
    await RED.nodes.loadFlows(true);
  });
  ipc.serve('runtime.stop', async () => {
    await RED.stop();
  });

  await RED.start();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  ipc.emit('ready', { port });
  const beat = () => {
    const mem = process.memoryUsage();
    ipc.emit('heartbeat', { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, nodeMessages, busIn: bus.received, busOut: bus.published });
  };
  beat();
  setInterval(beat, opts.heartbeatMs).unref();
}

main().catch((err) => {
  process.stderr.write(`tenant runtime failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
