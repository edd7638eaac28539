import assert from 'node:assert/strict';
import { TimerGate } from './timer-gate.js';

const from = (type: string, id = 'n1') => [{ source: { id, node: { type } } }];

describe('timer gate (which instance lets timers fire)', () => {
  it('lets every node send on the only instance (no lease)', () => {
    const gate = new TimerGate(false);
    assert.equal(gate.onSend(from('inject')), undefined);
    assert.equal(gate.onSend(from('function')), undefined);
  });

  it('drops inject and mqtt in messages where the lease is held elsewhere, and nothing else', () => {
    const gate = new TimerGate(true);
    gate.setOwner(false);
    assert.equal(gate.onSend(from('inject')), false);
    assert.equal(gate.onSend(from('mqtt in')), false);
    assert.equal(gate.onSend(from('dojot bus in')), undefined);
    assert.equal(gate.onSend(from('http in')), undefined);
    assert.equal(gate.dropped, 2);
    gate.setOwner(true);
    assert.equal(gate.onSend(from('inject')), undefined);
  });

  it('holds a timer that fires before the lease is known until it is', async () => {
    const gate = new TimerGate(true);
    const early = gate.onSend(from('inject'));
    assert.ok(early instanceof Promise);
    gate.setOwner(true);
    assert.equal(await early, undefined);
    const gate2 = new TimerGate(true);
    const early2 = gate2.onSend(from('inject'));
    gate2.setOwner(false);
    assert.equal(await early2, false);
  });

  it('lets a pressed button through once, for that node only', () => {
    const gate = new TimerGate(true);
    gate.setOwner(false);
    gate.allowManual('b');
    assert.equal(gate.onSend(from('inject', 'a')), false);
    assert.equal(gate.onSend(from('inject', 'b')), undefined);
    assert.equal(gate.onSend(from('inject', 'b')), false);
  });
});
