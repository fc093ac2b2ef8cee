import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { hashKey } from '../../../src/modules/auth/api-keys.ts';

test('hashKey is the SHA-256 hex digest of the key as UTF-8, so keys stored by earlier versions still match', () => {
  for (const key of ['prt_abc', 'prt_密钥-ünïcode', '', 'x'.repeat(1000)]) {
    assert.equal(hashKey(key), createHash('sha256').update(key, 'utf8').digest('hex'));
  }
  assert.equal(hashKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
