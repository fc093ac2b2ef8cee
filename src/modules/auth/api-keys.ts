// API keys: random secrets shown once at creation; only their SHA-256 hash is stored. A key of 32 random bytes does
// not need a slow hash (there is nothing to brute-force), and a fast one keeps every request cheap.
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { ApiKey } from '../../generated/prisma/client.ts';
import type { Role } from '../../generated/prisma/enums.ts';
import { badInput, notFound, PortraitError } from '../../errors.ts';
import { isUuid } from '../../db/uuid.ts';
import { checkId } from '../users/check-text.ts';

const KEY_PREFIX = 'prt_';

export interface Principal {
  role: Role;
  /** api_keys.id, or "bootstrap" for PORTRAIT_ADMIN_KEY */
  keyId: string;
  name: string;
}

// crypto.hash is the one-shot form of createHash(...).update(...).digest(...) (the same digest), about a fifth of its
// cost: every request hashes its key, the bootstrap admin key included.
export const hashKey = (key: string): string => hash('sha256', key, 'hex');

function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export async function createApiKey(db: Db, input: { name: string; role: Role }): Promise<{ apiKey: ApiKey; key: string }> {
  const name = input.name.trim();
  const problem = checkId(name, 'name', 100);
  if (problem) throw badInput('input.name', problem);
  const key = generateKey();
  const apiKey = await db.apiKey.create({ data: { name, role: input.role, hash: hashKey(key), prefix: key.slice(0, KEY_PREFIX.length + 6) } });
  return { apiKey, key };
}

/**
 * Revokes a live key. The revocation is one conditional UPDATE (only while revoked_at is null), so of concurrent
 * revocations of one key exactly one succeeds and keeps its time; the others get CONFLICT.
 */
export async function revokeApiKey(db: Db, id: string, cache: KeyCache): Promise<ApiKey> {
  if (!isUuid(id)) throw notFound(`API key ${id}`);
  const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const row = await db.apiKey.findUnique({ where: { id } });
  if (!row) throw notFound(`API key ${id}`);
  cache.forget(row.hash);
  if (count === 0) throw new PortraitError('CONFLICT', `API key ${id} is already revoked`);
  return row;
}


/** Every key, newest first (hashes included: the resolver shows only the API's fields). */
export const listApiKeys = (db: Db) => db.apiKey.findMany({ orderBy: { createdAt: 'desc' } });

/**
 * Remembers recent key lookups for a few seconds, so reads do not pay a query for authentication.
 * Revocation through this process forgets the key at once; other processes see it within the TTL.
 */
export class KeyCache {
  private readonly entries = new Map<string, { principal: Principal | null; until: number }>();
  constructor(private readonly ttlMs = 5_000, private readonly max = 10_000) {}
  get(hash: string, now: number): Principal | null | undefined {
    const e = this.entries.get(hash);
    if (!e) return undefined;
    if (e.until < now) {
      this.entries.delete(hash);
      return undefined;
    }
    return e.principal;
  }
  set(hash: string, principal: Principal | null, now: number): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(hash, { principal, until: now + this.ttlMs });
  }
  forget(hash: string): void {
    this.entries.delete(hash);
  }
}

/** Resolves `Authorization: Bearer <key>` to a principal, or null when absent or not a live key. */
export async function authenticate(
  db: Db,
  authorization: string | undefined,
  opts: { adminKeyHash: string | null; adminKeyName: string; cache: KeyCache },
): Promise<Principal | null> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const hash = hashKey(match[1]!);
  if (opts.adminKeyHash && timingSafeEqual(Buffer.from(hash), Buffer.from(opts.adminKeyHash))) {
    return { role: 'ADMIN', keyId: 'bootstrap', name: opts.adminKeyName };
  }
  const now = Date.now();
  const cached = opts.cache.get(hash, now);
  if (cached !== undefined) return cached;
  const row = await db.apiKey.findUnique({ where: { hash } });
  const principal = row && !row.revokedAt ? { role: row.role, keyId: row.id, name: row.name } : null;
  opts.cache.set(hash, principal, now);
  return principal;
}
