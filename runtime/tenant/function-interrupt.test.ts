// The function timeout enforced with SIGINT (function-interrupt.ts), in real child processes
// started as the driver starts a runtime (with --trace-sigint), signalled as the supervisor does.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { HOLD_SIGINT_WATCHDOG_FLAG, installFunctionInterrupt } from './function-interrupt.js';

const moduleUrl = new URL('./function-interrupt.js', import.meta.url).href;

interface ChildRun {
  lines: unknown[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs `body` (an ES module's code, with `vm`, `install` and `say(obj)` in scope) in a child node
 * started with `flags`; sends SIGINT once the child says {"looping": true}.
 */
function runChild(body: string, flags: string[]): Promise<ChildRun> {
  const source = `
    import vm from 'node:vm';
    import { installFunctionInterrupt as install } from ${JSON.stringify(moduleUrl)};
    const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
    ${body}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', source], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: unknown[] = [];
    let buffered = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as { looping?: boolean };
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        // A moment inside the loop, as the supervisor's SIGINT comes after a silence.
        if (line.looping) setTimeout(() => child.kill('SIGINT'), 200);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ lines, code, signal });
    });
  });
}

const LOOP_UNDER_GLOBAL_TIMEOUT = `
  const context = vm.createContext({});
  say({ installed: install(30) });
  say({ looping: true });
  try {
    new vm.Script('while (true) {}').runInContext(context, { timeout: 30000 });
    say({ returned: true });
  } catch (err) {
    say({ code: err.code, message: err.message });
  }
  say({ after: new vm.Script('6 * 7').runInContext(context, { timeout: 30000 }) });
`;

describe('function nodes stopped at the function timeout by SIGINT (function-interrupt.ts)', function () {
  this.timeout(30_000);

  it("stops a script run with the global timeout on SIGINT, throwing Node's timeout error, and the process runs on", async () => {
    const run = await runChild(LOOP_UNDER_GLOBAL_TIMEOUT, [HOLD_SIGINT_WATCHDOG_FLAG]);
    assert.deepEqual(run.lines, [
      { installed: true },
      { looping: true },
      { code: 'ERR_SCRIPT_EXECUTION_TIMEOUT', message: 'Script execution timed out after 30000ms' },
      { after: 42 },
    ]);
    assert.equal(run.code, 0);
  });

  it("leaves a node's own timeout (breakOnSigint set, as Node-RED sets it) to Node's vm", async () => {
    const run = await runChild(
      `
      install(30);
      const started = Date.now();
      try {
        new vm.Script('while (true) {}').runInContext(vm.createContext({}), { timeout: 300, breakOnSigint: true });
      } catch (err) {
        say({ code: err.code, message: err.message, ms: Date.now() - started });
      }`,
      [HOLD_SIGINT_WATCHDOG_FLAG],
    );
    const [line] = run.lines as { code: string; message: string; ms: number }[];
    assert.equal(line.code, 'ERR_SCRIPT_EXECUTION_TIMEOUT');
    assert.equal(line.message, 'Script execution timed out after 300ms');
    assert.ok(line.ms >= 290, `stopped after ${line.ms} ms`);
  });

  it('ends the process when SIGINT comes while no function node runs (the supervisor then restarts it)', async () => {
    const run = await runChild(`install(30); say({ looping: true }); while (true) {}`, [HOLD_SIGINT_WATCHDOG_FLAG]);
    assert.equal(run.signal, 'SIGINT');
  });

  it('is not installed without the flag that keeps the SIGINT watchdog, nor without a timeout', () => {
    assert.equal(installFunctionInterrupt(5, []), false);
    assert.equal(installFunctionInterrupt(0, [HOLD_SIGINT_WATCHDOG_FLAG]), false);
  });

  it("leaves Node-RED's vm timeout in place in a process started without the flag", async () => {
    const run = await runChild(
      `
      say({ installed: install(1) });
      try {
        new vm.Script('while (true) {}').runInContext(vm.createContext({}), { timeout: 1000 });
      } catch (err) {
        say({ code: err.code });
      }`,
      [],
    );
    assert.deepEqual(run.lines, [{ installed: false }, { code: 'ERR_SCRIPT_EXECUTION_TIMEOUT' }]);
  });
});
