// The profile store's column map against the real table: every column is read back, and the fallback empty profile
// has exactly the schema's defaults.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { fromPrisma } from '../../src/db/sql.ts';
import { emptyProfile, findProfiles, lockForUpdate, writeFields } from '../../src/modules/profiles/profile-store.ts';

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
});
