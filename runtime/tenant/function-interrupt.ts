// The function node's timeout (DOJOT_RUNTIME_FUNCTION_TIMEOUT, Node-RED's globalFunctionTimeout),
// enforced from outside. Node-RED runs every call with a vm `timeout`, and Node starts and joins a
// watchdog thread for each such call: with a 5 s timeout that is most of what a small function
// node costs (docs/benchmarks.md, "flow"). Here a call under the global timeout runs with
// `breakOnSigint` instead, which is cheap once the process holds Node's SIGINT watchdog for its
// whole life (`--trace-sigint`, set by the driver). The supervisor sees the runtime's heartbeats
// stop and, once the silence passes the timeout, sends SIGINT (tenant-runtime.ts): the call stops
// and throws the error Node's own timeout throws, so the node reports it and catch nodes get it.
//
// A SIGINT while no function node runs (the event loop blocked elsewhere, in a timer callback say)
// ends the process, as the heartbeat watchdog would a little later. A node with a timeout of its
// own (the node's "Timeout" setting) keeps Node-RED's exact vm timeout.
import vm from 'node:vm';

/** The node flag that keeps Node's SIGINT watchdog running, so that `breakOnSigint` costs no thread per call. */
export const HOLD_SIGINT_WATCHDOG_FLAG = '--trace-sigint';

type RunInContext = (this: vm.Script, context: vm.Context, options?: vm.RunningScriptOptions) => unknown;

/**
 * From now on, a script run with exactly the global timeout (Node-RED's globalFunctionTimeout path,
 * which sets no `breakOnSigint`) is interrupted by SIGINT instead. Returns whether it was installed:
 * not without a timeout, nor when the process was started without HOLD_SIGINT_WATCHDOG_FLAG or has
 * SIGINT listeners (Node would then take them off and put them back around every call).
 */
export function installFunctionInterrupt(timeoutSeconds: number, execArgv = process.execArgv): boolean {
  if (!(timeoutSeconds > 0) || !execArgv.includes(HOLD_SIGINT_WATCHDOG_FLAG)) return false;
  if (process.listenerCount('SIGINT') > 0) return false;
  const timeoutMs = timeoutSeconds * 1000;
  const original = vm.Script.prototype.runInContext as RunInContext;
  const interruptible: RunInContext = function (context, options) {
    if (!options || options.timeout !== timeoutMs || options.breakOnSigint !== undefined)
      return original.call(this, context, options);
    try {
      return original.call(this, context, withoutTimeout(options));
    } catch (err) {
      if ((err as { code?: string } | null)?.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') throw timedOut(timeoutMs);
      throw err;
    }
  };
  vm.Script.prototype.runInContext = interruptible as typeof vm.Script.prototype.runInContext;
  return true;
}

/** Node-RED's global-timeout options are `{timeout}` alone: those share one object (a call per message). */
const INTERRUPTIBLE: vm.RunningScriptOptions = Object.freeze({ breakOnSigint: true });

function withoutTimeout(options: vm.RunningScriptOptions): vm.RunningScriptOptions {
  const { timeout: _enforcedOutside, ...rest } = options;
  return Object.keys(rest).length === 0 ? INTERRUPTIBLE : { ...rest, breakOnSigint: true };
}

/** What Node's vm throws when its own timeout stops a script. */
function timedOut(ms: number): Error {
  return Object.assign(new Error(`Script execution timed out after ${ms}ms`), { code: 'ERR_SCRIPT_EXECUTION_TIMEOUT' });
}
