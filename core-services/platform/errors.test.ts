// The error catalogue's factories are typed from their message templates: the `@ts-expect-error`
// lines below fail the build when a wrong or missing placeholder name would compile again.
import assert from 'node:assert/strict';
import { defineErrors, PlatformError, type Placeholders } from './errors.js';

const E = defineErrors({
  T_ONE: { status: 404, message: 'No such thing: {id}', fix: 'x' },
  T_TWO: { status: 400, message: '{field}: {problem}', fix: 'x' },
  T_NONE: { status: 401, message: 'Sign in first', fix: 'x' },
  T_LITERAL: { status: 501, message: 'Send {"passwd"} to PUT /x/<id>', fix: 'x' },
  T_KEYS: { status: 404, message: 'No such device: {id}', fix: 'x', legacy: ['message', 'status'] },
  T_FIXED: {
    status: 400,
    message: 'Bad {param}',
    fix: 'x',
    legacy: { title: 'Invalid', description: '{message} ({param})', n: 7 },
  },
});

describe('error catalogue', () => {
  it('renders a template from the names it declares', () => {
    const e = E.T_TWO({ field: 'label', problem: 'is empty' }, { message: 'dojot' });
    assert.ok(e instanceof PlatformError);
    assert.deepEqual([e.code, e.status, e.message, e.extra], ['T_TWO', 400, 'label: is empty', { message: 'dojot' }]);
    assert.equal(E.T_NONE().message, 'Sign in first');
    assert.equal(E.T_LITERAL().message, 'Send {"passwd"} to PUT /x/<id>');
  });

  it("adds dojot's legacy keys from the catalogue: copied from the error, or rendered like the message", () => {
    assert.deepEqual(E.T_KEYS({ id: 'd1' }).extra, { message: 'No such device: d1', status: 404 });
    assert.deepEqual(E.T_FIXED({ param: 'x' }).extra, { title: 'Invalid', description: 'Bad x (x)', n: 7 });
    // What a caller adds wins.
    assert.deepEqual(E.T_KEYS({ id: 'd1' }, { status: 'gone' }).extra, {
      message: 'No such device: d1',
      status: 'gone',
    });
  });

  it('refuses at compile time a placeholder the template does not have, or one missing', () => {
    const names: Placeholders<'a {x} b {y}'>[] = ['x', 'y'];
    assert.deepEqual(names, ['x', 'y']);
    // @ts-expect-error -- the template names {id}, not {name}
    assert.equal(E.T_ONE({ name: 'n' }).message, 'No such thing: {id}');
    // @ts-expect-error -- {problem} is missing
    assert.equal(E.T_TWO({ field: 'f' }).message, 'f: {problem}');
    // @ts-expect-error -- a template without placeholders takes none
    assert.equal(E.T_NONE({ id: 1 }).message, 'Sign in first');
  });
});
