// The payload template language of `dojot-red load` (docs/load.md): each field renders as documented.
import assert from 'node:assert/strict';
import { compileTemplate } from '../../bin/load/payload-template.js';

describe('the load payload template', () => {
  it('renders {{seq}}, {{now}} and {{device}} from the message, and finds the {{seq}} attribute', () => {
    const t = compileTemplate('{"n": {{ seq }}, "at": {{now}}, "who": "{{device}}"}');
    assert.deepEqual(JSON.parse(t.render({ seq: 7, now: 1700000000123.4, device: 'a1b2c3' })), {
      n: 7,
      at: 1700000000123,
      who: 'a1b2c3',
    });
    assert.equal(t.seqAttr, 'n');
    assert.equal(compileTemplate('{"t": 1}').seqAttr, null);
  });

  it('draws {{rand A B}} within [A, B) with two decimals and {{randint A B}} within A..B', () => {
    const t = compileTemplate('{"r": {{rand -5 5}}, "i": {{randint 1 3}}}');
    const seen = new Set<number>();
    for (let k = 0; k < 500; k++) {
      const m = JSON.parse(t.render({ seq: k, now: 0, device: 'd' }));
      assert.ok(m.r >= -5 && m.r < 5 && /^-?\d+(\.\d{1,2})?$/.test(String(m.r)), String(m.r));
      assert.ok(Number.isInteger(m.i) && m.i >= 1 && m.i <= 3, String(m.i));
      seen.add(m.i);
    }
    assert.deepEqual([...seen].sort(), [1, 2, 3]);
  });

  it('refuses an unknown field, wrong arguments, stray braces and a message that is no JSON object', () => {
    assert.throws(() => compileTemplate('{"a": {{nope}}}'), /unknown field \{\{nope\}\}/);
    assert.throws(() => compileTemplate('{"a": {{seq 1}}}'), /\{\{seq 1\}\} takes 0 numbers/);
    assert.throws(() => compileTemplate('{"a": {{rand 5 1}}}'), /greater than the first/);
    assert.throws(() => compileTemplate('{"a": {{randint 1.5 3}}}'), /two integers/);
    assert.throws(() => compileTemplate('{"a": {{seq}'), /not a known field|not JSON/);
    assert.throws(() => compileTemplate('{"a": }'), /not JSON/);
    assert.throws(() => compileTemplate('{}'), /at least one attribute/);
  });
});
