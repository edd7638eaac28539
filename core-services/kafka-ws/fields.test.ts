import assert from 'node:assert/strict';
import { CLOSE, FilterError } from './close-codes.js';
import { applyMask, parseFields } from './fields.js';

const msg = { metadata: { deviceid: 'ab12', tenant: 'admin' }, attrs: { temp: 25, hum: 40, gps: { lat: 1, lng: 2 } } };
const pick = (f: string) => applyMask(msg, parseFields(f));

describe('kafka-ws fields', () => {
  it('selects several keys', () => {
    assert.deepEqual(pick('metadata,attrs'), msg);
    assert.deepEqual(pick('attrs'), { attrs: msg.attrs });
  });

  it('selects a child with a slash and a sub-selection with parentheses', () => {
    assert.deepEqual(pick('attrs/temp'), { attrs: { temp: 25 } });
    assert.deepEqual(pick('attrs(temp,hum),metadata/deviceid'), {
      attrs: { temp: 25, hum: 40 },
      metadata: { deviceid: 'ab12' },
    });
  });

  it('selects through a wildcard', () => {
    assert.deepEqual(pick('attrs/*/lat'), { attrs: { gps: { lat: 1 } } });
    assert.deepEqual(pick('*/deviceid'), { metadata: { deviceid: 'ab12' } });
  });

  it('gives {} for a selected parent with no matching child, and nothing when nothing matches', () => {
    assert.deepEqual(pick('attrs/pressure'), { attrs: {} });
    assert.equal(pick('nothing'), undefined);
  });

  it('refuses bad syntax with 4000', () => {
    for (const f of ['attrs(temp', 'attrs//temp', ',', 'a)']) {
      assert.throws(
        () => parseFields(f),
        (e: unknown) => e instanceof FilterError && e.closeCode === CLOSE.INVALID_SYNTAX,
        f,
      );
    }
  });
});
