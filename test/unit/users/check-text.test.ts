// The id check: printable ASCII passes at once, anything else is looked at character by character.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkId, checkText } from '../../../src/modules/users/check-text.ts';

describe('checkId', () => {
  it('accepts printable ASCII and any other printable text, pairs of surrogates included', () => {
    for (const id of ['u-1', ' ~!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}', '用户-42', 'ü', '\u{1F600}x', '\u00a0nbsp']) assert.equal(checkId(id, 'id'), null, id);
  });

  it('refuses the empty, the too long, control characters (C0, DEL, C1) and a lone surrogate, naming the problem', () => {
    assert.match(checkId('', 'userId')!, /userId must not be empty/);
    assert.match(checkId('x'.repeat(129), 'userId')!, /at most 128/);
    for (const id of ['a\u0000', 'a\tb', 'a\u001f', 'a\u007f', 'a\u0085', 'a\u009f']) assert.match(checkId(id, 'id')!, /control characters/, JSON.stringify(id));
    for (const id of ['a\ud800', '\udc00b', '\u{1F600}\ud83d']) assert.match(checkId(id, 'id')!, /lone UTF-16 surrogate/, JSON.stringify(id));
  });
});

describe('checkText', () => {
  it('allows newlines and tabs, refuses NUL and a lone surrogate', () => {
    assert.equal(checkText('line\n\tline', 'text'), null);
    assert.match(checkText('a\u0000', 'text')!, /NUL/);
    assert.match(checkText('a\ud800', 'text')!, /surrogate/);
  });
});
