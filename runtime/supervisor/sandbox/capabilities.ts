// Whether this process may start runtimes under other uids: root, or CAP_SETUID and CAP_SETGID
// in its effective set (a container or systemd unit can grant just those two).
import { readFileSync } from 'node:fs';

/** Bit numbers in /proc/self/status CapEff (linux/capability.h). */
const CAP_SETGID = 6n;
const CAP_SETUID = 7n;

export function canSwitchUser(status: string = readStatus()): boolean {
  if (process.getuid?.() === 0) return true;
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  if (!m) return false;
  const caps = BigInt(`0x${m[1]}`);
  return Boolean(caps & (1n << CAP_SETUID)) && Boolean(caps & (1n << CAP_SETGID));
}

function readStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}
