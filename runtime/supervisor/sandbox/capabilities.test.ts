import assert from 'node:assert/strict';
import { canSwitchUser } from './capabilities.js';

describe('whether the platform may run runtimes as other users', () => {
  const asUser = (capEff: string) => {
    const real = process.getuid;
    process.getuid = () => 1000;
    try {
      return canSwitchUser(`Name:\tnode\nCapEff:\t${capEff}\n`);
    } finally {
      process.getuid = real;
    }
  };

  it('says yes for a user holding CAP_SETUID and CAP_SETGID', () => {
    assert.equal(asUser('00000000000000c0'), true);
  });

  it('says no for a user holding only one of them, or none', () => {
    assert.equal(asUser('0000000000000080'), false);
    assert.equal(asUser('0000000000000040'), false);
    assert.equal(asUser('0000000000000000'), false);
  });

  it('says yes for root', () => {
    if (process.getuid?.() !== 0) return;
    assert.equal(canSwitchUser(''), true);
  });
});
