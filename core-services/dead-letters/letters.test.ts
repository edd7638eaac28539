import assert from 'node:assert/strict';
import { letterOf } from './index.js';
import { messageText, safeText, MESSAGE_KEPT_CHARS } from './store.js';

describe('dead letters', () => {
  it("files a letter a runtime publishes under the topic's tenant, whatever it claims", () => {
    const l = letterOf(
      'beta.dojot-red.dead-letters',
      {
        tenant: 'admin',
        consumer: 'flow-runtime',
        topic: 'admin.device-data',
        key: 'd1',
        id: 'm1',
        timestamp: 5,
        value: { x: 1 },
        reason: 'boom',
      },
      'bus-id',
      9,
    );
    assert.deepEqual(l, {
      tenant: 'beta',
      consumer: 'flow-runtime',
      topic: 'beta.dojot-red.dead-letters',
      key: 'd1',
      id: 'm1',
      timestamp: 5,
      value: { x: 1 },
      reason: 'boom',
    });
    const bare = letterOf('beta.dojot-red.dead-letters', 'not an object', 'bus-id', 9);
    assert.deepEqual(
      [bare.tenant, bare.id, bare.timestamp, bare.value, bare.reason],
      ['beta', 'bus-id', 9, 'not an object', '(no reason given)'],
    );
  });

  it('keeps text PostgreSQL would refuse, spelled out', () => {
    assert.equal(safeText('a\u0000b\ud800c'), 'a\\u0000b\ufffdc');
    assert.equal(messageText({ t: 'a\u0000b' }), '{"t":"a\\u0000b"}');
    let deep: unknown = 1;
    for (let i = 0; i < 40_000; i++) deep = [deep];
    assert.match(messageText(deep), /^"\(not serialisable: .*\)"$/);
    assert.equal(messageText('x'.repeat(MESSAGE_KEPT_CHARS * 2)).length, MESSAGE_KEPT_CHARS);
  });
});
