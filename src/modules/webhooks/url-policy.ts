// Where webhooks may point. A URL is http(s) with no credentials in it. In production (see WebhookSettings.publicOnly)
// its host must resolve to public addresses only: a hook is an admin-chosen URL the service POSTs to from inside the
// operator's network, so without this check it would reach the database, the metadata service of a cloud machine or
// anything else on the private side (SSRF). The check runs at creation and again at every delivery, and the request
// connects to the very address that was checked (no second DNS answer can swap in a private one: DNS rebinding).
import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

export const MAX_URL_LENGTH = 2_048;

/** The problem with a webhook URL as given, or null when it is acceptable in form. */
export function urlProblem(raw: string): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  if (!URL.canParse(raw)) return 'must be an absolute http:// or https:// URL';
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (user:password@); authenticate the request by its signature';
  if (url.hostname === '') return 'must name a host';
  return null;
}

// Addresses no webhook may reach in production: not globally routable, or the operator's own machines.
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still private)
  ['fc00::', 7], // unique local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address an IPv6 one carries (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d), or null. */
function embeddedIpv4(address: string): string | null {
  const lower = address.toLowerCase();
  const prefix = ['::ffff:', '64:ff9b::'].find((p) => lower.startsWith(p));
  if (!prefix) return null;
  const rest = lower.slice(prefix.length);
  if (isIP(rest) === 4) return rest;
  // the hex form, e.g. ::ffff:7f00:1
  const m = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(rest);
  if (!m) return null;
  const hi = parseInt(m[1]!, 16);
  const lo = parseInt(m[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when the address is loopback, private, link-local, CGNAT, unique-local, multicast, unspecified or reserved. */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  const v4 = embeddedIpv4(address);
  if (v4 !== null) return blocked.check(v4, 'ipv4');
  return blocked.check(address, 'ipv6');
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

/** A webhook's host that cannot be used now; the message is written for the admin and stored in the log. */
export class TargetRefused extends Error {}

/**
 * The address to connect to for a URL: its host resolved (within timeoutMs), every answer checked when publicOnly.
 * A host with any non-public answer is refused outright, not filtered: an attacker controlling the DNS could
 * otherwise steer which of the answers a later lookup returns.
 */
export async function resolveTarget(url: URL, publicOnly: boolean, timeoutMs: number): Promise<ResolvedTarget> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TargetRefused(`could not resolve ${host} within ${timeoutMs} ms`)), timeoutMs);
  });
  let answers: { address: string; family: number }[];
  try {
    answers = await Promise.race([lookup(host, { all: true, verbatim: true }), timeout]);
  } catch (err) {
    if (err instanceof TargetRefused) throw err;
    throw new TargetRefused(`could not resolve ${host}`);
  } finally {
    clearTimeout(timer);
  }
  if (answers.length === 0) throw new TargetRefused(`could not resolve ${host}`);
  if (publicOnly) {
    const bad = answers.find((a) => isNonPublicAddress(a.address));
    if (bad) {
      throw new TargetRefused(
        `${host} resolves to ${bad.address}, a loopback, private, link-local or otherwise non-public address (refused in production unless PORTRAIT_WEBHOOK_ALLOW_PRIVATE=on)`,
      );
    }
  }
  const first = answers[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
