// The notification node publishes dojot's notification shape; history keeps and filters them.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { StubServices, helper, load, tick } from '../helpers/dojot-nodes.js';
import { parseFilterValue, parseNotificationFilter } from '../../core-services/history/notifications-routes.js';
import { notificationRow } from '../../core-services/history/notifications-persister.js';

const require = createRequire(import.meta.url);
const { parse } = require('../../nodes/notification/config.js') as typeof import('../../nodes/notification/config.js');

describe('the notification node', () => {
  let s: StubServices;
  beforeEach(() => (s = new StubServices()));
  afterEach(async () => helper.unload());

  const send = async (def: Record<string, unknown>, msg: Record<string, unknown>) => {
    await load(['notification'], [{ id: 'n', type: 'notification', wires: [], ...def }], s);
    const errors: string[] = [];
    helper.getNode('n').on('call:error', (c: any) => errors.push(String(c.args[0])));
    helper.getNode('n').receive(msg);
    await tick(50);
    return errors;
  };

  it('publishes a static message with the metadata object as metaAttrsFilter, persisted by default', async () => {
    await send(
      { msgType: 'static', messageStatic: 'hello', source: 'payload.meta' },
      { payload: { meta: { level: 3 } } },
    );
    const [p] = s.published;
    assert.equal(p.subject, 'dojot.notifications');
    assert.equal(p.value.message, 'hello');
    assert.equal(p.value.subject, 'user_notification');
    assert.deepEqual(p.value.metaAttrsFilter, { level: 3, shouldPersist: true });
    assert.match(p.value.msgID, /^[0-9a-f-]{36}$/);
    assert.equal(typeof p.value.timestamp, 'number');
  });

  it('publishes a dynamic message and keeps shouldPersist false when the metadata says so', async () => {
    await send(
      { msgType: 'dynamic', messageDynamic: 'msg.payload.text', source: 'payload.meta' },
      { payload: { text: 'wet', meta: { shouldPersist: false } } },
    );
    assert.equal(s.published[0].value.message, 'wet');
    assert.equal(s.published[0].value.metaAttrsFilter.shouldPersist, false);
  });

  it('reports a missing message or a metadata that is not an object, and publishes nothing', async () => {
    assert.match(
      (await send({ msgType: 'dynamic', messageDynamic: 'payload.text' }, { payload: {} }))[0],
      /payload\.text/,
    );
    await helper.unload();
    assert.match(
      (await send({ msgType: 'static', messageStatic: 'x', source: 'payload.meta' }, { payload: { meta: 'x' } }))[0],
      /payload\.meta/,
    );
    assert.equal(s.published.length, 0);
  });

  it('names the bad field of a config', () => {
    assert.throws(() => parse({ msgType: 'static' }), /messageStatic/);
    assert.throws(() => parse({ msgType: 'dynamic' }), /messageDynamic/);
    assert.throws(() => parse({ msgType: 'loud', messageStatic: 'x' }), /msgType/);
  });
});

describe('notifications in history', () => {
  it('reads filter values as dojot did: quoted strings, integers, and the rest as text', () => {
    assert.equal(parseFilterValue('"12"'), '12');
    assert.equal(parseFilterValue('12'), 12);
    assert.equal(parseFilterValue('true'), true);
    assert.equal(parseFilterValue('abc'), 'abc');
    assert.deepEqual(parseNotificationFilter({ subject: '"user_notification"', level: '3' }), {
      subject: 'user_notification',
      meta: { level: 3 },
    });
  });

  it('keeps only notifications that should persist', () => {
    const m = (value: unknown) =>
      ({ topic: 'admin.dojot.notifications', key: null, value, id: 'b1', timestamp: 5 }) as any;
    assert.equal(notificationRow(m({ msgID: 'x', message: 'a', metaAttrsFilter: { shouldPersist: false } })), null);
    assert.equal(notificationRow(m({ msgID: 'x', message: 'a' })), null);
    assert.equal(notificationRow(m('junk')), null);
    assert.deepEqual(
      notificationRow(
        m({
          msgID: 'x',
          timestamp: 9,
          message: 'a',
          metaAttrsFilter: { shouldPersist: true },
          subject: 'user_notification',
        }),
      ),
      {
        tenant: 'admin',
        msgId: 'x',
        ts: 9,
        subject: 'user_notification',
        message: 'a',
        metaAttrs: { shouldPersist: true },
      },
    );
  });
});
