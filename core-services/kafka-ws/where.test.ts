import assert from 'node:assert/strict';
import { CLOSE, FilterError } from './close-codes.js';
import { matches, parseWhere } from './where.js';

const msg = {
  metadata: { deviceid: 'ab12', tenant: 'admin' },
  attrs: { temp: 25, label: 'kitchen, north', on: true, text: '12' },
};
const keeps = (where: string) => matches(parseWhere(where), msg);
const code = (where: string) => {
  try {
    parseWhere(where);
  } catch (err) {
    if (err instanceof FilterError) return err.closeCode;
    throw err;
  }
  return null;
};

describe('kafka-ws where', () => {
  it('keeps everything when there is no condition', () => {
    assert.deepEqual(parseWhere(''), []);
    assert.ok(keeps(''));
  });

  it('compares with eq by default, and with neq', () => {
    assert.ok(keeps('metadata.deviceid=ab12;'));
    assert.ok(keeps('metadata.deviceid=eq:ab12;'));
    assert.ok(!keeps('metadata.deviceid=eq:cd34;'));
    assert.ok(keeps('metadata.deviceid=neq:cd34;'));
    assert.ok(!keeps('metadata.deviceid=neq:ab12;'));
    assert.ok(keeps('attrs.temp=25;'));
  });

  it('compares numbers with gt, gte, lt and lte, and drops non-numeric fields', () => {
    assert.ok(keeps('attrs.temp=gt:24.5;'));
    assert.ok(!keeps('attrs.temp=gt:25;'));
    assert.ok(keeps('attrs.temp=gte:25;'));
    assert.ok(keeps('attrs.temp=lt:30;'));
    assert.ok(!keeps('attrs.temp=lt:25;'));
    assert.ok(keeps('attrs.temp=lte:25;'));
    assert.ok(!keeps('attrs.label=gt:1;'));
  });

  it('matches lists with in and nin', () => {
    assert.ok(keeps('metadata.deviceid=in:zz,ab;'));
    assert.ok(!keeps('metadata.deviceid=in:zz,yy;'));
    assert.ok(keeps('metadata.deviceid=nin:zz,yy;'));
    assert.ok(!keeps('metadata.deviceid=nin:ab;'));
    assert.ok(keeps('attrs.label=in:"kitchen, north";'));
  });

  it('matches booleans with bool', () => {
    assert.ok(keeps('attrs.on=bool:true;'));
    assert.ok(!keeps('attrs.on=bool:false;'));
  });

  it('needs every condition, and drops a message without the field', () => {
    assert.ok(keeps('attrs.temp=gt:20;metadata.deviceid=ab12;'));
    assert.ok(!keeps('attrs.temp=gt:20;metadata.deviceid=cd34;'));
    assert.ok(!keeps('attrs.humidity=lt:100;'));
  });

  it('reads escapes inside quotes', () => {
    assert.deepEqual(parseWhere('a="x\\ty\\"z\\,";')[0].values, ['x\ty"z,']);
  });

  it("refuses bad filters with dojot's close codes", () => {
    assert.equal(code('attrs.temp=gt:20'), CLOSE.INVALID_SYNTAX);
    assert.equal(code('attrs.temp'), CLOSE.INVALID_SYNTAX);
    assert.equal(code('at$trs=1;'), CLOSE.INVALID_SYNTAX);
    assert.equal(code('attrs.temp=like:20;'), CLOSE.INVALID_OPERATOR);
    assert.equal(code('a="x\\q";'), CLOSE.INVALID_ESCAPE);
    assert.equal(code('attrs.temp=gt:1,2;'), CLOSE.INVALID_ARITY);
    assert.equal(code('attrs.temp=gt:warm;'), CLOSE.INVALID_VALUE);
    assert.equal(code('attrs.on=bool:yes;'), CLOSE.INVALID_VALUE);
  });
});
