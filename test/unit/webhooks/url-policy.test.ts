// Which webhook URLs and addresses are acceptable, and the retry backoff.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isNonPublicAddress, resolveTarget, TargetRefused, urlProblem } from '../../../src/modules/webhooks/url-policy.ts';
import { backoffMs } from '../../../src/modules/webhooks/delivery-queue.ts';

describe('webhook URL policy', () => {
  it('takes http(s) URLs without credentials', () => {
    assert.equal(urlProblem('https://crm.example.com/hooks?x=1'), null);
    assert.equal(urlProblem('http://203.0.113.9:8080/'), null);
    assert.match(urlProblem('ftp://example.com/')!, /http/);
    assert.match(urlProblem('file:///etc/passwd')!, /http/);
    assert.match(urlProblem('https://a:b@example.com/')!, /credentials/);
    assert.match(urlProblem('https://a@example.com/')!, /credentials/);
    assert.match(urlProblem('/relative')!, /absolute/);
  });

  it('calls loopback, private, link-local, CGNAT, ULA, multicast and unspecified addresses non-public', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '100.127.255.255', '0.0.0.0', '224.0.0.1', '239.255.255.250', '255.255.255.255', '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1',
      'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not an address']) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '203.0.113.9', '2001:4860:4860::8888', '::ffff:8.8.8.8']) {
      assert.equal(isNonPublicAddress(a), false, a);
    }
  });

  it('refuses a host that resolves to a non-public address only when asked to', async () => {
    await assert.rejects(resolveTarget(new URL('http://localhost:1/'), true, 2_000), TargetRefused);
    await assert.rejects(resolveTarget(new URL('http://[::1]:1/'), true, 2_000), /resolves to ::1/);
    const open = await resolveTarget(new URL('http://127.0.0.1:1/'), false, 2_000);
    assert.deepEqual(open, { address: '127.0.0.1', family: 4 });
    await assert.rejects(resolveTarget(new URL('http://no-such-host.invalid/'), false, 2_000), /could not resolve/);
  });
});

describe('webhook retry backoff', () => {
  const policy = { retryBaseMs: 1_000, retryMaxMs: 60_000, retryWindowMs: 86_400_000 };
  it('doubles from the base up to the cap, times a jitter of 0.5 to 1', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 1)), [1_000, 2_000, 4_000, 8_000]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 0)), [500, 1_000, 2_000, 4_000]);
    assert.equal(backoffMs(30, policy, () => 1), 60_000);
    assert.equal(backoffMs(5_000, policy, () => 1), 60_000);
  });
});
