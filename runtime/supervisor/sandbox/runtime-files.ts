// A tenant runtime's files: `<dataDir>/flows/<tenant>`, owned by the tenant's uid, mode 0700
// (Node-RED's userDir, the only place the runtime may write). The rest of the data directory
// (the store's files, whatever else the platform keeps there) is closed to other users, so a
// runtime uid can reach its own folder and nothing beside it.
import { chmodSync, chownSync, lchownSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/** The same rule as a tenant's name (auth's TENANT_PATTERN): a path segment, never `..`. */
const SAFE_TENANT = /^[a-z][a-z0-9_]{0,63}$/;

export class RuntimeFiles {
  constructor(
    private readonly dataDir: string,
    /** Where tenant folders live: `<dataDir>/flows`. */
    readonly root: string,
  ) {}

  /**
   * Closes the data directory to other users: the directory itself may be crossed but not listed
   * (0711), the runtimes' root likewise, and every other entry loses its group and other bits.
   */
  lockDataDir(): void {
    mkdirSync(this.root, { recursive: true });
    chmodSync(this.dataDir, 0o711);
    chmodSync(this.root, 0o711);
    for (const name of readdirSync(this.dataDir)) {
      const p = path.join(this.dataDir, name);
      if (p === this.root) continue;
      const mode = statSync(p).mode & 0o7777;
      if (mode & 0o077) chmodSync(p, mode & 0o700);
    }
  }

  dirOf(tenant: string): string {
    if (!SAFE_TENANT.test(tenant)) throw new Error(`not a tenant name: ${JSON.stringify(tenant)}`);
    return path.join(this.root, tenant);
  }

  /** Makes the tenant's folder its own (uid null: the platform's user, when runtimes share it). */
  prepare(tenant: string, uid: number | null): string {
    const dir = this.dirOf(tenant);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (uid !== null) chownTree(dir, uid);
    chmodSync(dir, 0o700);
    return dir;
  }

  remove(tenant: string): void {
    rmSync(this.dirOf(tenant), { recursive: true, force: true });
  }
}

/**
 * A folder made by an earlier run under another uid (or the platform's) becomes the tenant's.
 * Links are changed themselves, never followed: a runtime could have left one to /etc/shadow.
 */
function chownTree(dir: string, uid: number): void {
  chownSync(dir, uid, uid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid);
    else lchownSync(p, uid, uid);
  }
}
