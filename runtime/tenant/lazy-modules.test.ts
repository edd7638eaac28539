// The stand-ins of lazy-modules.ts: a library listed for a file is not loaded when that file
// requires it, and is loaded, and behaves as itself, on first use.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter as RealEventEmitter } from 'node:events';
import { projectRoot } from '../../core-services/platform/paths.js';
import { LAZY_MODULES, installLazyModules, lazyLoaded } from './lazy-modules.js';

const here = fileURLToPath(import.meta.url);
const require = createRequire(here);
const me = `/${path.basename(here)}`;

describe('libraries loaded on first use (lazy-modules.ts)', () => {
  before(() =>
    installLazyModules([
      { request: 'node:events', from: [me] },
      { request: 'node:path', from: [me] },
    ]),
  );

  it('loads a library only when a function of it is called, and returns what the library returns', () => {
    const p = require('node:path') as typeof path;
    assert.equal(lazyLoaded.has('node:path'), false);
    assert.equal(p.join('a', 'b'), path.join('a', 'b'));
    assert.equal(lazyLoaded.has('node:path'), true);
    // Members read once it is loaded are the real ones.
    assert.equal(p.sep, path.sep);
  });

  it('keeps a destructured class lazy until it is constructed, and makes real instances', () => {
    const { EventEmitter } = require('node:events') as { EventEmitter: typeof RealEventEmitter };
    const EE = require('node:events') as typeof RealEventEmitter;
    assert.equal(lazyLoaded.has('node:events'), false);
    const e = new EventEmitter();
    assert.ok(e instanceof RealEventEmitter);
    assert.ok(new EE() instanceof RealEventEmitter);
    let heard = 0;
    e.on('x', () => (heard += 1));
    e.emit('x');
    assert.equal(heard, 1);
    // A subclass of a stand-in is a subclass of the real class.
    class Mine extends EE {}
    assert.ok(new Mine() instanceof RealEventEmitter);
    assert.ok(new Mine() instanceof Mine);
  });

  it('leaves other files and other libraries alone', () => {
    const url = require('node:url') as typeof import('node:url');
    assert.equal(typeof url.fileURLToPath, 'function');
    assert.equal(lazyLoaded.has('node:url'), false);
  });

  it('lists only libraries that the listed files still require (a Node-RED upgrade may move them)', () => {
    const root = projectRoot();
    for (const { request, from } of LAZY_MODULES)
      for (const f of from) {
        const file = f.startsWith('/nodes/') ? path.join(root, 'dist', f) : path.join(root, 'node_modules', f);
        assert.ok(existsSync(file), `${file} (for ${request})`);
        const text = readFileSync(file, 'utf8');
        assert.ok(
          text.includes(`require("${request}")`) || text.includes(`require('${request}')`),
          `${file} requires ${request}`,
        );
      }
  });
});
