// Segment lineage across models, users' membership history, an inactive model's training members, and batch
// prediction, through the API on a population with three well-separated groups (and later a fourth).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { fromPool, fromPrisma } from '../../src/db/sql.ts';
import { writeSegments, writeStagedSegments } from '../../src/modules/profiles/placements.ts';
import { stageTrainingLabels, trainingMembersOfModelSql, writeTrainingMembers } from '../../src/modules/segmentation/training-members.ts';
import { erasureMark, holdOffErasures } from '../../src/db/erasure-lock.ts';
import type { Tx } from '../../src/db/client.ts';
import type pg from 'pg';

const FEATURES = ['totalSpent', 'sessionsCount'];
const PER_GROUP = 40;

let server: TestServer;

async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}

/** A group's user row: far from the other groups in both features. */
const GROUPS = [
  { totalSpent: 1_000, sessionsCount: 10 },
  { totalSpent: 2_000, sessionsCount: 20 },
  { totalSpent: 3_000, sessionsCount: 30 },
  { totalSpent: 4_000, sessionsCount: 40 },
];
const groupRows = (g: number, n = PER_GROUP) =>
  Array.from({ length: n }, (_, i) => ({
    userId: `g${g}-${String(i).padStart(2, '0')}`,
    totalSpent: GROUPS[g]!.totalSpent * (1 + i / 4_000),
    sessionsCount: GROUPS[g]!.sessionsCount + (i % 3),
  }));

async function train(input: Record<string, unknown>): Promise<string> {
  const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, {
    input: { features: FEATURES, ...input },
  });
  const job = await waitForJob(server.database.db, retrain.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  return job.modelId!;
}

interface SegmentData { id: string; index: number; size: number; lineage: string; users: { totalCount: number; edges: { node: { id: string } }[] } }
async function segmentsOf(modelId: string): Promise<SegmentData[]> {
  const { model } = await gqlOk<{ model: { segments: SegmentData[] } }>(
    `query($id: ID!) { model(id: $id) { segments { id index size lineage users(first: 500) { totalCount edges { node { id } } } } } }`,
    { id: modelId },
  );
  return model.segments;
}
const members = (s: SegmentData) => s.users.edges.map((e) => e.node.id).sort();

interface Stay { segment: { id: string; lineage: string }; enteredAt: string; exitedAt: string | null }
async function historyOf(userId: string): Promise<Stay[]> {
  const { user } = await gqlOk<{ user: { segmentHistory: Stay[] } }>(
    `query($id: ID!) { user(id: $id) { segmentHistory { segment { id lineage } enteredAt exitedAt } } }`,
    { id: userId },
  );
  return user.segmentHistory;
}

async function segmentOf(userId: string): Promise<{ id: string; lineage: string }> {
  const { user } = await gqlOk<{ user: { segment: { id: string; lineage: string } } }>(`query($id: ID!) { user(id: $id) { segment { id lineage } } }`, { id: userId });
  return user.segment;
}

const count = async (sql: string, params: unknown[] = []) => Number((await server.database.pool.query<{ n: string }>(sql, params)).rows[0]!.n);

/**
 * Makes every transaction that writes the profile or the placement of `userId` fail at COMMIT (a deferred constraint trigger), i.e.
 * after the write under test has run: whatever that write recorded must roll back with it.
 */
/** A model's training members, in user id order (training-members.ts, as lineage matching reads them). */
async function membersOf(modelId: string): Promise<{ userId: string; segmentId: string }[]> {
  const { rows } = await server.database.pool.query<{ userId: string; segmentId: string }>(
    `SELECT user_id AS "userId", segment_id::text AS "segmentId" FROM (${trainingMembersOfModelSql(1)}) m ORDER BY user_id`, [modelId]);
  return rows;
}

/** The users in the transaction's staged training labels. */
async function stagedUsers(tx: Tx): Promise<string[]> {
  return (await fromPrisma(tx).query<{ userId: string }>('SELECT user_id AS "userId" FROM training_labels ORDER BY 1')).map((r) => r.userId);
}

/** Runs fn on a connection of the server's pool of its own. */
async function withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await server.database.pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** The models trained on a user. */
async function trainedOn(userId: string): Promise<string[]> {
  const { rows } = await server.database.pool.query<{ id: string }>(
    `SELECT DISTINCT c.model_id::text AS id FROM training_member_chunks c WHERE $1 = ANY(c.user_ids) ORDER BY 1`, [userId]);
  return rows.map((r) => r.id);
}

/** A stored model with one segment and no members yet, as a save writes them (a copy of the first model's row). */
async function candidateModel(): Promise<{ modelId: string; segmentId: string }> {
  const { rows: [model] } = await server.database.pool.query<{ id: string }>(
    `INSERT INTO segmentation_models (id, algorithm, k, features, params, scaler, centroids, metrics, trained_on)
     SELECT gen_random_uuid(), algorithm, 1, features, params, scaler, centroids, metrics, 0 FROM segmentation_models ORDER BY version LIMIT 1
     RETURNING id::text`);
  const { rows: [segment] } = await server.database.pool.query<{ id: string }>(
    `INSERT INTO segments (id, model_id, index, size, share, stats) VALUES (gen_random_uuid(), $1::uuid, 0, 0, 0, '[]') RETURNING id::text`, [model!.id]);
  return { modelId: model!.id, segmentId: segment!.id };
}

async function failCommitsTouching(userId: string): Promise<() => Promise<void>> {
  await server.database.pool.query(`CREATE FUNCTION test_fail_commit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'test: commit refused'; END $$`);
  // on the profile (an ingest, an import) and on the placement (an activation moves users without touching profiles)
  for (const table of ['profiles', 'segment_placements']) {
    await server.database.pool.query(`CREATE CONSTRAINT TRIGGER test_fail_commit AFTER INSERT OR UPDATE ON ${table} DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW WHEN (NEW.user_id = '${userId}') EXECUTE FUNCTION test_fail_commit()`);
  }
  return async () => {
    await server.database.pool.query('DROP TRIGGER test_fail_commit ON profiles');
    await server.database.pool.query('DROP TRIGGER test_fail_commit ON segment_placements');
    await server.database.pool.query('DROP FUNCTION test_fail_commit()');
  };
}

before(async () => {
  server = await startTestServer();
  await importUsersOk(server, [0, 1, 2].flatMap((g) => groupRows(g)));
});
after(() => server.close());

describe('segment lineage and membership history', () => {
  let first: SegmentData[];
  let firstModel: string;

  it('gives the first model new lineages and opens one stay per placed user', async () => {
    firstModel = await train({ k: 3, seed: 1 });
    first = await segmentsOf(firstModel);
    assert.equal(new Set(first.map((s) => s.lineage)).size, 3);
    // each segment is one of the groups
    for (const s of first) assert.equal(new Set(members(s).map((id) => id.slice(0, 2))).size, 1, JSON.stringify(members(s)));
    const history = await historyOf('g0-00');
    assert.equal(history.length, 1);
    assert.equal(history[0]!.segment.id, (await segmentOf('g0-00')).id);
    assert.equal(history[0]!.exitedAt, null);
  });

  it('keeps every lineage when a training with another seed finds the same groups, and lists an inactive model\'s training members', async () => {
    const second = await segmentsOf(await train({ k: 3, seed: 12345, activate: false }));
    for (const s of second) {
      // the inactive candidate lists who it was trained on (not the live members, which are the active model's)
      assert.equal(s.users.totalCount, s.size);
      assert.equal(s.users.edges.length, s.size);
      const same = first.find((f) => members(f).join() === members(s).join());
      assert.ok(same, `segment ${s.index} of the second model is a group of the first`);
      assert.equal(s.lineage, same.lineage);
      assert.notEqual(s.id, same.id);
    }
  });

  it('keeps users\' stays when an activation moves them to a segment of the same lineage', async () => {
    const before = await historyOf('g1-05');
    const retrained = await train({ k: 3, seed: 777 });
    const now = await segmentOf('g1-05');
    assert.notEqual(now.id, before[0]!.segment.id, 'the user moved to the new model');
    assert.equal(now.lineage, before[0]!.segment.lineage);
    assert.deepEqual(await historyOf('g1-05'), before, 'no exit or entry within one lineage');
    // the active model's Segment.users are its live members
    const segments = await segmentsOf(retrained);
    assert.equal(segments.reduce((n, s) => n + s.users.totalCount, 0), 3 * PER_GROUP);
  });

  it('gives a genuinely new group a new lineage, and moves its users between lineages in their history', async () => {
    const known = new Set(first.map((s) => s.lineage));
    // the fourth group is placed live in the nearest existing segment (an import writes its users' first stays)
    await importUsersOk(server, groupRows(3, 25));
    const [entered] = await historyOf('g3-00');
    assert.ok(entered && known.has(entered.segment.lineage) && entered.exitedAt === null);

    const fourth = await segmentsOf(await train({ k: 4, seed: 5 }));
    const fresh = fourth.filter((s) => !known.has(s.lineage));
    assert.equal(fresh.length, 1, 'three groups keep their lineages, one is new');
    assert.deepEqual(members(fresh[0]!), groupRows(3, 25).map((r) => r.userId).sort());
    assert.equal(new Set(fourth.map((s) => s.lineage)).size, 4);

    // the activation closed the old stay and opened one in the new lineage, at one instant
    const [now, earlier] = await historyOf('g3-00');
    assert.equal(now!.segment.lineage, fresh[0]!.lineage);
    assert.equal(now!.exitedAt, null);
    assert.equal(earlier!.segment.lineage, entered!.segment.lineage);
    assert.equal(earlier!.exitedAt, now!.enteredAt);
    assert.equal((await historyOf('g2-00')).length, 1, 'users of kept groups stay where they were');
  });

  it('records a move made by an import, and an entry made by an ingest', async () => {
    const moved = 'g0-07';
    const [before] = await historyOf(moved);
    await importUsersOk(server, [{ userId: moved, totalSpent: 3_010, sessionsCount: 31 }]);
    const history = await historyOf(moved);
    assert.equal(history.length, 2);
    assert.notEqual(history[0]!.segment.lineage, before!.segment.lineage);
    assert.equal(history[1]!.exitedAt, history[0]!.enteredAt);
    assert.deepEqual(await historyOf(moved), history);

    await ingestEventsOk(server, [{ eventId: 'new-1', userId: 'newcomer', type: 'PAGE_VIEW', occurredAt: new Date().toISOString() }]);
    const [stay, ...rest] = await historyOf('newcomer');
    assert.deepEqual(rest, []);
    assert.equal(stay!.segment.id, (await segmentOf('newcomer')).id);
    const { user } = await gqlOk<{ user: { segmentHistory: Stay[] } }>(`query { user(id: "g0-07") { segmentHistory(first: 1) { enteredAt } } }`);
    assert.equal(user.segmentHistory.length, 1);
  });

  it('writes no history when the ingest, import or activation that placed the users fails', async () => {
    const restore = await failCommitsTouching('doomed');
    try {
      const stays = await count('SELECT count(*) AS n FROM segment_memberships');
      // an ingest whose users would both enter a segment
      const ingest = await server.gql(`mutation($e: [EventInput!]!) { ingestEvents(events: $e) { accepted } }`, {
        e: ['doomed', 'bystander'].map((u) => ({ eventId: `fail-${u}`, userId: u, type: 'PAGE_VIEW', occurredAt: new Date().toISOString() })),
      });
      assert.ok(ingest.errors?.length, 'the batch failed');
      // an import of the same users
      const imported = await server.gql(`mutation($u: [UserImportInput!]!) { importUsers(users: $u) { imported } }`, {
        u: [{ userId: 'doomed', totalSpent: 10 }, { userId: 'bystander', totalSpent: 10 }],
      });
      assert.ok(imported.errors?.length, 'the import failed');
      assert.equal(await count('SELECT count(*) AS n FROM segment_memberships'), stays);
      assert.equal(await count(`SELECT count(*) AS n FROM users WHERE id IN ('doomed', 'bystander')`), 0);
    } finally {
      await restore();
    }
    // an activation that moves users between lineages (back to the first model) and fails at COMMIT
    const restoreActivation = await failCommitsTouching('g3-00');
    try {
      const stays = await count('SELECT count(*) AS n FROM segment_memberships');
      const r = await server.gql(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: firstModel });
      assert.ok(r.errors?.length, 'the activation failed');
      assert.equal(await count('SELECT count(*) AS n FROM segment_memberships'), stays);
    } finally {
      await restoreActivation();
    }
    // and the same activation, allowed, closes the fourth group's stays
    const closed = `SELECT count(*) AS n FROM segment_memberships WHERE user_id LIKE 'g3-%' AND exited_at IS NOT NULL`;
    const closedBefore = await count(closed);
    await gqlOk(`mutation($id: ID!) { activateModel(id: $id) { id } }`, { id: firstModel });
    assert.equal(await count(closed), closedBefore + 25);
    const [back] = await historyOf('g3-00');
    assert.ok(first.some((s) => s.lineage === back!.segment.lineage));
  });

  it('leaves no stay behind for a segment a user entered and left within one transaction', async () => {
    const userId = 'g2-04';
    const before = await historyOf(userId);
    const current = before[0]!.segment;
    const [a, b] = first.filter((s) => s.lineage !== current.lineage);
    // what an ingest does when it places a user, then places it again after recounting its sessions
    const client = await server.database.pool.connect();
    try {
      await client.query('BEGIN');
      // through placements.ts, the one writer of placements, which records each move
      await writeSegments(fromPool(client), [userId], [a!.id]);
      await writeSegments(fromPool(client), [userId], [b!.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const [now, earlier, ...rest] = await historyOf(userId);
    assert.equal(now!.segment.id, b!.id);
    assert.equal(now!.exitedAt, null);
    assert.equal(earlier!.segment.id, current.id);
    assert.equal(earlier!.exitedAt, now!.enteredAt);
    assert.deepEqual(rest, before.slice(1));
  });

  it('erases a user\'s history and training membership with the user', async () => {
    const userId = 'g2-05';
    // every model trained on the user (the first and the ones after it in this suite)
    const models = await trainedOn(userId);
    assert.ok(models.length >= 2, `trained on by ${models.length} model(s)`);
    assert.ok((await count('SELECT count(*) AS n FROM segment_memberships WHERE user_id = $1', [userId])) > 0);
    const neighbours = await Promise.all(models.map((m) => membersOf(m)));
    await gqlOk(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: userId });
    assert.equal(await count('SELECT count(*) AS n FROM segment_memberships WHERE user_id = $1', [userId]), 0);
    assert.deepEqual(await trainedOn(userId), []);
    // the others keep their segments (the user's chunk is rewritten without it, in order)
    for (const [i, m] of models.entries()) {
      assert.deepEqual(await membersOf(m), neighbours[i]!.filter((r) => r.userId !== userId));
    }
  });

  it('leaves out of a model\'s training members a user erased while it trained (the count of erasures moved)', async () => {
    // the page as training read it, in user id order, after its mark; a user is erased since
    const mark = await withClient((c) => erasureMark(c));
    await importUsersOk(server, [{ userId: 'g2-erased', totalSpent: 1_000, sessionsCount: 10 }]);
    const page = ['g2-06', 'g2-erased', 'g2-07'].sort();
    await gqlOk(`mutation { deleteUser(id: "g2-erased") }`);
    const { modelId, segmentId } = await candidateModel();
    await server.database.db.$transaction(async (tx) => {
      await stageTrainingLabels(fromPrisma(tx), [segmentId], page, [0, 0, 0], mark);
      // nor in the staged labels that lineage matching and the placement read
      assert.deepEqual(await stagedUsers(tx), ['g2-06', 'g2-07']);
      await writeTrainingMembers(fromPrisma(tx));
    });
    assert.deepEqual((await membersOf(modelId)).map((r) => r.userId), ['g2-06', 'g2-07']);
  });

  it('does not look users up again when no erasure came since the training\'s mark', async () => {
    const mark = await withClient((c) => erasureMark(c));
    // a user that does not exist stands for one the read saw: with the count unmoved, nobody was erased since, and
    // the save takes the rows as read (with a mark of null it looks, and leaves the user out)
    const page = ['g2-06', 'g2-nobody'];
    const { segmentId } = await candidateModel();
    for (const [given, staged] of [[mark, ['g2-06', 'g2-nobody']], [null, ['g2-06']]] as const) {
      await assert.rejects(server.database.db.$transaction(async (tx) => {
        await stageTrainingLabels(fromPrisma(tx), [segmentId], page, [0, 0], given);
        assert.deepEqual(await stagedUsers(tx), staged);
        throw new Error('rolled back');
      }), /rolled back/);
    }
  });

  it('takes the erasures\' mark only once an erasure under way has committed, counting it', async () => {
    await importUsersOk(server, [{ userId: 'g2-erasing', totalSpent: 1_000, sessionsCount: 10 }]);
    const before = await withClient((c) => erasureMark(c));
    const eraser = await server.database.pool.connect();
    try {
      await eraser.query('BEGIN');
      await eraser.query(`DELETE FROM users WHERE id = 'g2-erasing'`);
      let taken: string | undefined;
      const marking = withClient((c) => erasureMark(c)).then((m) => (taken = m));
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(taken, undefined, 'the mark waits for the erasure under way');
      await eraser.query('COMMIT');
      assert.notEqual(await marking, before, 'and counts it');
    } finally {
      eraser.release();
    }
  });

  it('cuts the training members into chunks of 1,000 users in order, each with its bounds', async () => {
    const page = Array.from({ length: 2_500 }, (_, i) => `chunk-${String(i).padStart(4, '0')}`);
    await server.database.pool.query('INSERT INTO users (id) SELECT unnest($1::text[])', [page]);
    const labels = page.map((_, i) => i % 2);
    const { modelId, segmentId } = await candidateModel();
    const { rows: [second] } = await server.database.pool.query<{ id: string }>(
      `INSERT INTO segments (id, model_id, index, size, share, stats) VALUES (gen_random_uuid(), $1::uuid, 1, 0, 0, '[]') RETURNING id::text`, [modelId]);
    await server.database.db.$transaction(async (tx) => {
      await stageTrainingLabels(fromPrisma(tx), [segmentId, second!.id], page, labels, null);
      await writeTrainingMembers(fromPrisma(tx));
    });
    const { rows: chunks } = await server.database.pool.query<{ first: string; last: string; n: number; labels: number[] }>(
      `SELECT first_user AS first, last_user AS last, cardinality(user_ids) AS n, labels FROM training_member_chunks
       WHERE model_id = $1::uuid ORDER BY first_user`, [modelId]);
    assert.deepEqual(chunks.map((c) => [c.first, c.last, c.n]), [
      ['chunk-0000', 'chunk-0999', 1_000],
      ['chunk-1000', 'chunk-1999', 1_000],
      ['chunk-2000', 'chunk-2499', 500],
    ]);
    assert.deepEqual(chunks.flatMap((c) => c.labels), labels);
    const members = await membersOf(modelId);
    assert.deepEqual(members.map((r) => r.userId), page);
    assert.deepEqual(members.map((r) => r.segmentId), labels.map((l) => (l === 0 ? segmentId : second!.id)));
    await server.database.pool.query('DELETE FROM users WHERE id = ANY($1::text[])', [page]);
  });

  it('erases the training membership of a user deleted while a save is writing it (no foreign key, an advisory lock)', async () => {
    const page = ['g2-08', 'g2-09'];
    const { modelId, segmentId: segment } = await candidateModel();
    let erased: Promise<unknown> | undefined;
    let erasedEarly = false;
    await server.database.db.$transaction(async (tx) => {
      await stageTrainingLabels(fromPrisma(tx), [segment], page, [0, 0], null);
      await writeTrainingMembers(fromPrisma(tx));
      // the save holds the chunks' lock: the erasure waits for the commit instead of missing the uncommitted chunk
      erased = gqlOk(`mutation { deleteUser(id: "g2-08") }`).then(() => {
        erasedEarly = true;
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(erasedEarly, false, 'the erasure waited for the save');
    });
    await erased;
    assert.deepEqual((await membersOf(modelId)).map((r) => r.userId), ['g2-09']);
  });

  it('erases the placement and stay of a user deleted while a bulk placement is writing them (no foreign key, an advisory lock)', async () => {
    const userId = 'g2-10';
    const placedIn = async () =>
      (await server.database.pool.query<{ lineage: string }>('SELECT lineage::text AS lineage FROM segment_placements WHERE user_id = $1', [userId])).rows;
    const [current] = await placedIn();
    assert.ok(current, 'the user is placed');
    const { rows: [other] } = await server.database.pool.query<{ id: string }>(
      `SELECT s.id::text AS id FROM segments s JOIN segmentation_models m ON m.id = s.model_id AND m.active
       WHERE s.lineage <> $1::uuid ORDER BY s.index LIMIT 1`, [current.lineage]);
    let erased: Promise<unknown> | undefined;
    let erasedEarly = false;
    await server.database.db.$transaction(async (tx) => {
      const sql = fromPrisma(tx);
      // what an activation does (assignment.ts): erasures held off, then its users staged and written in one statement
      // without holding the profiles
      await holdOffErasures(sql);
      await sql.query('CREATE TEMPORARY TABLE placed_segments (user_id text NOT NULL, segment_id uuid NOT NULL) ON COMMIT DROP');
      await sql.query('INSERT INTO placed_segments VALUES ($1, $2::uuid)', [userId, other!.id]);
      await writeStagedSegments(sql, 'placed_segments');
      // the placement holds off erasures: the erasure waits for the commit instead of missing the uncommitted rows
      erased = gqlOk(`mutation { deleteUser(id: "${userId}") }`).then(() => {
        erasedEarly = true;
      });
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(erasedEarly, false, 'the erasure waited for the placement');
    });
    await erased;
    assert.deepEqual(await placedIn(), []);
    assert.equal(await count('SELECT count(*) AS n FROM segment_memberships WHERE user_id = $1', [userId]), 0);
  });

  it('reads the history of many users in one query', async () => {
    let historyQueries = 0;
    const original = server.database.db.$queryRawUnsafe.bind(server.database.db);
    server.database.db.$queryRawUnsafe = ((text: string, ...params: unknown[]) => {
      if (text.includes('segment_memberships')) historyQueries++;
      return original(text, ...params);
    }) as typeof original;
    try {
      const { users } = await gqlOk<{ users: { edges: { node: { segmentHistory: Stay[] } }[] } }>(
        `query { users(first: 100) { edges { node { segmentHistory(first: 5) { segment { lineage } enteredAt } } } } }`,
      );
      assert.equal(users.edges.length, 100);
      assert.ok(users.edges.every((e) => e.node.segmentHistory.length >= 1));
    } finally {
      server.database.db.$queryRawUnsafe = original;
    }
    assert.equal(historyQueries, 1);
  });
});

describe('predictSegments', () => {
  const PREDICT = `query($users: [[FeatureValueInput!]!]!) { predictSegments(users: $users) { segment { id lineage } probabilities } }`;

  it('places every vector in order, as predictSegment does one', async () => {
    const vectors = Array.from({ length: 10_000 }, (_, i) => [
      { name: 'totalSpent', value: GROUPS[i % 3]!.totalSpent },
      { name: 'sessionsCount', value: GROUPS[i % 3]!.sessionsCount },
    ]);
    const { predictSegments } = await gqlOk<{ predictSegments: { segment: { id: string } }[] }>(PREDICT, { users: vectors });
    assert.equal(predictSegments.length, 10_000);
    const one = async (v: { name: string; value: number }[]) =>
      (await gqlOk<{ predictSegment: { segment: { id: string } } }>(`query($f: [FeatureValueInput!]!) { predictSegment(features: $f) { segment { id } } }`, { f: v }))
        .predictSegment.segment.id;
    const expected = await Promise.all([0, 1, 2].map((g) => one(vectors[g]!)));
    assert.equal(new Set(expected).size, 3);
    predictSegments.forEach((p, i) => assert.equal(p.segment.id, expected[i % 3], `vector ${i}`));
    // an extreme value and missing features are placed too
    const odd = await gqlOk<{ predictSegments: { probabilities: number[] }[] }>(PREDICT, { users: [[{ name: 'totalSpent', value: 1e308 }], []] });
    assert.equal(odd.predictSegments.length, 2);
    for (const p of odd.predictSegments) assert.ok(p.probabilities.every(Number.isFinite));
  });

  it('refuses more than 10,000 vectors and names a bad vector by its index', async () => {
    const tooMany = await server.gql(PREDICT, { users: Array.from({ length: 10_001 }, () => []) });
    assert.equal(tooMany.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(tooMany.errors![0]!.message, /10,?000/);
    const bad = await server.gql(PREDICT, { users: [[{ name: 'totalSpent', value: 1 }], [{ name: 'nope', value: 1 }]] });
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.errors![0]!.message, /users\[1\]/);
    const repeated = await server.gql(PREDICT, { users: [[], [], [{ name: 'totalSpent', value: 1 }, { name: 'totalSpent', value: 2 }]] });
    assert.match(repeated.errors![0]!.message, /users\[2\].*repeated/);
    const huge = await server.gql(`query { predictSegments(users: [[{ name: "totalSpent", value: 1e309 }]]) { segment { id } } }`);
    assert.ok(huge.errors?.every((e) => e.extensions?.code !== 'INTERNAL_SERVER_ERROR'), JSON.stringify(huge.errors));
  });
});

describe('a deleted segment', () => {
  // Nothing in the service deletes segments; an operator deleting a model by hand takes its segments along. Without a
  // foreign key from placements to segments (migration segment_placements), a trigger does what ON DELETE SET NULL did.
  it('unplaces its users and closes their stays, as the foreign key did', async () => {
    const { activeModel } = await gqlOk<{ activeModel: { id: string } }>(`{ activeModel { id } }`);
    const placed = await count('SELECT count(*) AS n FROM segment_placements');
    assert.ok(placed > 0);
    const open = await count('SELECT count(*) AS n FROM segment_memberships WHERE exited_at IS NULL');
    await server.database.pool.query('DELETE FROM segmentation_models WHERE id = $1::uuid', [activeModel.id]);
    assert.equal(await count('SELECT count(*) AS n FROM segment_placements'), 0);
    // every placed user had one open stay; they are closed, with a `left` change each
    assert.equal(open, placed);
    assert.equal(await count('SELECT count(*) AS n FROM segment_memberships WHERE exited_at IS NULL'), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM membership_changes WHERE kind = 'SEGMENT' AND NOT entered AND txid = (SELECT max(txid) FROM membership_changes)`), placed);
    // and the next placement opens a stay again (a stay left open would meet the one-open-stay index)
    await train({ k: 3, seed: 9 });
    assert.equal(await count('SELECT count(*) AS n FROM segment_memberships WHERE exited_at IS NULL'), placed);
  });
});

describe('a retrain on review-embedding dimensions without embedded reviews', () => {
  it('fails with a message that says what is missing and what to do', async () => {
    const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation { retrain(input: { features: ["textEmbedding1", "totalSpent"], k: 2, activate: false }) { id } }`);
    const job = await waitForJob(server.database.db, retrain.id);
    assert.equal(job.status, 'FAILED');
    assert.match(job.error ?? '', /textEmbedding1\.\.4 need at least 2 users with embedded reviews.*retry later, or train without them/);
  });
});
