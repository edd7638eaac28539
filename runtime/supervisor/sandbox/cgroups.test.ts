import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectCgroups } from './cgroups.js';

// A cgroup hierarchy is files: these tests lay out what the kernel shows (v1 or v2) in a folder.
describe('cgroups for tenant runtimes', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'cgroups-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("uses v1 memory and cpu controllers inside the platform's own groups", () => {
    mkdirSync(path.join(root, 'memory', 'mine'), { recursive: true });
    writeFileSync(path.join(root, 'memory', 'memory.limit_in_bytes'), '');
    mkdirSync(path.join(root, 'cpu'), { recursive: true });
    writeFileSync(path.join(root, 'cpu', 'cpu.shares'), '1024');
    const found = detectCgroups(256, root, '4:memory:/mine\n1:cpu:/\n0::/\n');
    assert.ok(found.driver, 'no driver');
    assert.equal(found.driver.version, 'v1');
    assert.equal(readFileSync(path.join(root, 'cpu', 'dojot-red-runtimes', 'cpu.shares'), 'utf8'), '256');
    const group = found.driver.create('rt-42', 384 * 1024 * 1024);
    assert.equal(
      readFileSync(path.join(root, 'memory', 'mine', 'dojot-red-runtimes', 'rt-42', 'memory.limit_in_bytes'), 'utf8'),
      String(384 * 1024 * 1024),
    );
    group.add(42);
    assert.equal(
      readFileSync(path.join(root, 'memory', 'mine', 'dojot-red-runtimes', 'rt-42', 'cgroup.procs'), 'utf8'),
      '42',
    );
    assert.equal(readFileSync(path.join(root, 'cpu', 'dojot-red-runtimes', 'rt-42', 'cgroup.procs'), 'utf8'), '42');
    writeFileSync(
      path.join(root, 'memory', 'mine', 'dojot-red-runtimes', 'rt-42', 'memory.oom_control'),
      'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
    );
    assert.equal(group.oomKills(), 1);
  });

  it('uses v2 where the unified hierarchy has the memory controller, with the weight scaled', () => {
    writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids');
    const found = detectCgroups(256, root, '0::/\n');
    assert.ok(found.driver);
    assert.equal(found.driver.version, 'v2');
    assert.equal(readFileSync(path.join(root, 'dojot-red-runtimes', 'cpu.weight'), 'utf8'), '25');
    assert.equal(readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8'), '+memory +cpu');
    found.driver.create('rt-7', 1024);
    assert.equal(readFileSync(path.join(root, 'dojot-red-runtimes', 'rt-7', 'memory.max'), 'utf8'), '1024');
  });

  it('says why when there is no hierarchy to use', () => {
    const found = detectCgroups(256, root, '');
    assert.equal(found.driver, null);
    assert.match((found as { why: string }).why, /no cgroup hierarchy with a memory controller/);
  });
});
