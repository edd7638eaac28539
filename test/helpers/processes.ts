import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { projectRoot } from '../../core-services/platform/paths.js';
import { refuseInUnitMode } from './unit-guard.js';

/** Ports this process handed out: the kernel may give a just-closed port again, and two calls in a row must differ. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

export interface PlatformProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Runs `node dist/bin/dojot-red.js` (what `npm start` runs) and waits for its ready line. */
export async function spawnPlatform(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<PlatformProcess> {
  refuseInUnitMode('spawnPlatform');
  const child = spawn(process.execPath, [path.join(projectRoot(), 'dist', 'bin', 'dojot-red.js')], {
    // MQTTS on a free port unless the test names one: 8883 may be taken on a shared machine.
    env: { ...process.env, DOJOT_MQTTS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`platform not ready in ${readyTimeoutMs} ms:\n${out}`)),
      readyTimeoutMs,
    );
    const check = () => {
      if (out.includes('dojot-red ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`platform exited with ${code} before it was ready:\n${out}`));
    });
  });
  await ready;
  return { child, output: () => out, exited };
}

/** Stops a platform process as an operator would (SIGTERM), killing it if it has not exited within graceMs. */
export async function stopPlatform(p: PlatformProcess | undefined, graceMs = 15_000): Promise<void> {
  const running = () => p !== undefined && p.child.exitCode === null && p.child.signalCode === null;
  if (!running()) return;
  p!.child.kill('SIGTERM');
  await Promise.race([p!.exited, new Promise((r) => setTimeout(r, graceMs))]);
  if (running()) p!.child.kill('SIGKILL');
}

/** Runs a command to completion and returns its output (for mosquitto_pub/mosquitto_sub). */
export function run(
  cmd: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
