// The profile store's column map against the real table: every column is read back, and the fallback empty profile
// has exactly the schema's defaults.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { fromPrisma } from '../../src/db/sql.ts';
import { emptyProfile, findProfiles, findUsersWithProfiles, lockForUpdate, writeFields } from '../../src/modules/profiles/profile-store.ts';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database.close());

describe('profile store', () => {
  it('reads every column of profiles, and the empty profile equals a new row but for its timestamps', async () => {
    await database.db.user.create({ data: { id: 'u1', age: 30 } });
    await database.db.profile.create({ data: { userId: 'u1' } });
    const row = await database.db.profile.findUniqueOrThrow({ where: { userId: 'u1' } });
    // money is numeric in the database, a Decimal through Prisma and a number in the service (the store's map)
    const viaPrisma = { ...row, totalSpent: row.totalSpent.toNumber(), baseTotalSpent: row.baseTotalSpent.toNumber() };
    const viaStore = (await findProfiles(fromPrisma(database.db), ['u1'])).get('u1');
    assert.deepEqual(viaStore, viaPrisma);
    const { createdAt, updatedAt, ...rest } = emptyProfile('u1', viaPrisma.createdAt);
    const { createdAt: c, updatedAt: u, ...stored } = viaPrisma;
    assert.deepEqual(rest, stored);
    assert.deepEqual([createdAt, updatedAt], [c, c]);
    assert.ok(u instanceof Date);
  });

  it('writes the fields it is given, typed by the column map, and locks with demographics', async () => {
    const sql = fromPrisma(database.db);
    await database.db.user.create({ data: { id: 'u2', cityTier: 2 } }); // a user without a profile row: one is made
    await database.db.$transaction(async (tx) => {
      const t = fromPrisma(tx);
      const rows = await lockForUpdate(t, ['u1', 'u2']);
      assert.deepEqual(rows.map((r) => [r.profile.userId, r.age, r.cityTier]), [['u1', 30, null], ['u2', null, 2]]);
      await writeFields(t, ['totalSpent', 'lastPurchaseAt', 'categoryWeights'], [
        { userId: 'u1', totalSpent: 12.5, lastPurchaseAt: new Date('2026-01-01T00:00:00Z'), categoryWeights: { weights: { books: 1 }, counts: { books: 1 } } },
      ]);
    });
    const p = (await findProfiles(sql, ['u1', 'u2'])).get('u1')!;
    assert.equal(p.totalSpent, 12.5);
    assert.deepEqual(p.lastPurchaseAt, new Date('2026-01-01T00:00:00Z'));
    assert.deepEqual(p.categoryWeights, { weights: { books: 1 }, counts: { books: 1 } });
  });

  it('reads users with their profiles for user(id) exactly as Prisma and the store read them, every column set', async () => {
    // every column away from its default; timestamps before and after 1970 (read as epoch milliseconds there)
    await database.db.user.create({ data: { id: 'hot', age: 41, gender: 'f', cityTier: 3, createdAt: new Date('1969-07-20T20:17:40.123Z') } });
    await database.db.user.create({ data: { id: 'hot-no-profile', gender: 'm' } });
    await database.pool.query(
      `INSERT INTO profiles (user_id, sessions_count, total_session_duration, page_views, total_dwell_seconds, clicks, cart_adds,
         reviews, purchase_count, total_spent, event_count, last_purchase_at, first_event_at, last_event_at, base_sessions,
         base_session_duration, base_page_views, base_purchase_count, base_total_spent, base_last_purchase_at, category_weights,
         weights_at, text_reviews, sentiment_sum, negative_reviews, topic_sums, embedding_sum, embedding_space, embedded_reviews,
         pending_embeddings, last_review_at, created_at, updated_at)
       VALUES ('hot', 3.5, 120.25, 17, 45.5, 9, 2, 1, 2, 1234.5678, 31, '2026-03-01T10:00:00.999Z', '1969-12-31T23:59:59.001Z',
         '2026-03-02T11:12:13.456Z', 1, 30, 4, 1, 99.99, '2025-12-31T23:59:59.999Z', '{"weights":{"books":1.5},"counts":{"books":3}}',
         '2026-03-02T11:12:13.456Z', 2, -0.25, 1, '{"t1":0.75}', '{0.5,-1.25,3}', 'hashed#3', 2, 1, '2026-03-02T00:00:00.001Z',
         '1970-01-01T00:00:00.000Z', '2026-03-03T00:00:00.500Z')`,
    );
    const rows = await findUsersWithProfiles(database.pool, ['hot', 'hot-no-profile', 'nobody']);
    const byId = new Map(rows.map((r) => [r.id, r]));
    assert.deepEqual([...byId.keys()].sort(), ['hot', 'hot-no-profile']);
    for (const id of ['hot', 'hot-no-profile']) {
      const user = await database.db.user.findUniqueOrThrow({ where: { id } });
      const profile = (await findProfiles(fromPrisma(database.db), [id])).get(id) ?? null;
      assert.deepEqual(byId.get(id), { ...user, profile });
    }
    const hot = byId.get('hot')!.profile!;
    assert.deepEqual([hot.firstEventAt, hot.lastPurchaseAt], [new Date('1969-12-31T23:59:59.001Z'), new Date('2026-03-01T10:00:00.999Z')]);
    assert.deepEqual([hot.totalSpent, hot.embeddingSum, hot.categoryWeights], [1234.5678, [0.5, -1.25, 3], { weights: { books: 1.5 }, counts: { books: 3 } }]);
  });
});
