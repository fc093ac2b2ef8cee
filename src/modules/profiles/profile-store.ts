// The profile store: the only code that reads or writes the columns of `profiles` (population-wide aggregates over
// them are in profile-statistics.ts, beside it). One column map, checked against the generated Prisma type, builds
// every select list and every typed write, so a new column is one entry here (plus the schema and the view).
//
// Writes take `Sql` (src/db/sql.ts) so they run inside either kind of transaction: a node-postgres one (ingest, the
// hourly and daily refresh) or a Prisma one (imports, activation). Rows that placement needs come back joined with the user's
// demographics (`ProfileWithDemographics`), read from `users` in the same statement: callers place them in memory
// and never read them back.
//
// Where a user is placed is not a profile column: placements.ts beside it keeps segment_placements, and writeFields
// hands it the segments of the rows it writes, so a batch's profiles and placements change in one statement.
import type { Db } from '../../db/client.ts';
import type { Sql } from '../../db/sql.ts';
import { numberArray, textArray } from '../../db/array-literals.ts';
import { float8ArrayBinary } from '../../db/binary-arrays.ts';
import type pg from 'pg';
import { PRUNE_BELOW } from '../../rules/decay.ts';
import { msBetween } from '../../db/sql-time.ts';
import { seededOrderSql } from './profile-statistics.ts';
import { placeFrom, placedInSegmentsSql } from './placements.ts';
import type { Profile as ProfileRow, User } from '../../generated/prisma/client.ts';

// 'money' is numeric(20, 4) in the database (exact; src/rules/money.ts) and a number here: read as float8 (the
// nearest double of a value with at most 4 decimals, which prints as that value) and written as the shortest decimal
// of the numbers the writers have rounded, which numeric parses exactly.
type SqlType = 'text' | 'float8' | 'float8[]' | 'int' | 'timestamptz' | 'jsonb' | 'money';

/** The columns kept as exact decimals in the database and as numbers in the service. */
type MoneyField = 'totalSpent' | 'baseTotalSpent';

/** A stored profile as the service sees it: the row, with money as numbers (see 'money'). */
export type Profile = Omit<ProfileRow, MoneyField> & Record<MoneyField, number>;

/** Every column of `profiles`: field name -> [column, SQL type]. `satisfies` fails the build when a column is added. */
const COLUMNS = {
  userId: ['user_id', 'text'],
  sessionsCount: ['sessions_count', 'float8'],
  totalSessionDuration: ['total_session_duration', 'float8'],
  pageViews: ['page_views', 'float8'],
  totalDwellSeconds: ['total_dwell_seconds', 'float8'],
  clicks: ['clicks', 'int'],
  cartAdds: ['cart_adds', 'int'],
  reviews: ['reviews', 'int'],
  purchaseCount: ['purchase_count', 'float8'],
  totalSpent: ['total_spent', 'money'],
  eventCount: ['event_count', 'int'],
  lastPurchaseAt: ['last_purchase_at', 'timestamptz'],
  firstEventAt: ['first_event_at', 'timestamptz'],
  lastEventAt: ['last_event_at', 'timestamptz'],
  baseSessions: ['base_sessions', 'float8'],
  baseSessionDuration: ['base_session_duration', 'float8'],
  basePageViews: ['base_page_views', 'float8'],
  basePurchaseCount: ['base_purchase_count', 'float8'],
  baseTotalSpent: ['base_total_spent', 'money'],
  baseLastPurchaseAt: ['base_last_purchase_at', 'timestamptz'],
  categoryWeights: ['category_weights', 'jsonb'],
  weightsAt: ['weights_at', 'timestamptz'],
  textReviews: ['text_reviews', 'int'],
  sentimentSum: ['sentiment_sum', 'float8'],
  negativeReviews: ['negative_reviews', 'int'],
  topicSums: ['topic_sums', 'jsonb'],
  embeddingSum: ['embedding_sum', 'float8[]'],
  embeddingSpace: ['embedding_space', 'text'],
  embeddedReviews: ['embedded_reviews', 'int'],
  pendingEmbeddings: ['pending_embeddings', 'int'],
  lastReviewAt: ['last_review_at', 'timestamptz'],
  createdAt: ['created_at', 'timestamptz'],
  updatedAt: ['updated_at', 'timestamptz'],
} as const satisfies Record<keyof ProfileRow, readonly [string, SqlType]>;

type ProfileField = keyof Profile;
const FIELDS = Object.keys(COLUMNS) as ProfileField[];

/** `alias.column` of a profile field, for SQL that other code composes over profiles (profile-features-sql.ts). */
export function profileColumn(alias: string, field: ProfileField): string {
  return `${alias}.${COLUMNS[field][0]}`;
}

/** A profile with the demographics of its user: what placement, the view and training read together. */
export interface ProfileWithDemographics {
  profile: Profile;
  age: number | null;
  cityTier: number | null;
  gender: string | null;
}

// (text columns other than the user id, which emptyProfile sets, are nullable)
const DEFAULTS: Record<SqlType, (userId: string, at: Date) => unknown> = {
  text: () => null,
  float8: () => 0,
  'float8[]': () => [],
  int: () => 0,
  timestamptz: () => null,
  jsonb: () => ({}),
  money: () => 0,
};

/** How a column is read into the service's type (writes: UNNEST_TYPE below). */
const READ_CAST: Partial<Record<SqlType, string>> = { money: '::float8' };

/**
 * The profile of a user with no profile row (every writer creates one, so this is a fallback for reads): the column
 * defaults of the schema, derived from the column map, with both timestamps at `at`.
 */
export function emptyProfile(userId: string, at: Date): Profile {
  const row = Object.fromEntries(FIELDS.map((f) => [f, DEFAULTS[COLUMNS[f][1]](userId, at)]));
  return { ...(row as Profile), userId, createdAt: at, updatedAt: at };
}

/** `alias.column AS "field"` for every column (money as a number). */
function selectList(alias: string): string {
  return FIELDS.map((f) => {
    const [column, type] = COLUMNS[f];
    return `${alias}.${column}${READ_CAST[type] ?? ''} AS "${f}"`;
  }).join(', ');
}

const DEMOGRAPHICS = `u.age AS "u.age", u.city_tier AS "u.cityTier", u.gender AS "u.gender"`;
type JoinedRow = Profile & { 'u.age': number | null; 'u.cityTier': number | null; 'u.gender': string | null };

function split(rows: readonly JoinedRow[]): ProfileWithDemographics[] {
  return rows.map((r) => {
    const { 'u.age': age, 'u.cityTier': cityTier, 'u.gender': gender, ...profile } = r;
    return { profile, age, cityTier, gender };
  });
}

const LOCK = `
  SELECT ${selectList('p')}, ${DEMOGRAPHICS}
  FROM profiles p JOIN users u ON u.id = p.user_id
  WHERE p.user_id = ANY($1::text[]) ORDER BY p.user_id FOR UPDATE OF p`;

// A user without a profile (not made by this service's writes) gets one rather than losing what is written for it.
const INSERT_MISSING = 'INSERT INTO profiles (user_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING';

/**
 * Locks the users' profiles for update, in user id order (concurrent writers lock in the same order, which keeps
 * deadlocks rare), creating the missing ones; returns them with their demographics.
 */
export async function lockForUpdate(sql: Sql, userIds: readonly string[]): Promise<ProfileWithDemographics[]> {
  let rows = await sql.query<JoinedRow>(LOCK, [userIds]);
  if (rows.length < userIds.length) {
    const found = new Set(rows.map((r) => r.userId));
    const missing = userIds.filter((id) => !found.has(id));
    await sql.query(INSERT_MISSING, [missing]);
    rows = [...rows, ...(await sql.query<JoinedRow>(LOCK, [missing]))].sort((a, b) => (a.userId < b.userId ? -1 : 1));
    if (rows.length !== userIds.length) throw new Error(`profile store: locked ${rows.length} profiles for ${userIds.length} users`);
  }
  return split(rows);
}

/**
 * A column of values as one array parameter, the one writeFields unnests: float8 in the binary format (eight bytes a
 * value, src/db/binary-arrays.ts), the others as literals: jsonb and float8[] values travel as text elements, cast row
 * by row (an array of arrays must be rectangular in PostgreSQL), timestamps as ISO text, money as the shortest decimal
 * of the writers' rounded numbers (numeric reads it exactly).
 */
function columnParam(type: SqlType, values: readonly unknown[]): string | Buffer {
  const fail = (v: unknown): never => {
    throw new TypeError(`profile store: ${String(v)} is not a ${type} value`);
  };
  switch (type) {
    case 'text':
      return textArray(values.map((v) => (v === null || typeof v === 'string' ? v : fail(v))));
    case 'float8':
      return float8ArrayBinary(values.map((v) => (v === null || typeof v === 'number' ? v : fail(v))));
    case 'int':
    case 'money':
      return numberArray(values.map((v) => (v === null || typeof v === 'number' ? v : fail(v))));
    case 'timestamptz':
      return textArray(values.map((v) => (v === null ? null : v instanceof Date ? v.toISOString() : fail(v))));
    case 'jsonb':
      return textArray(values.map((v) => (v === null ? null : JSON.stringify(v))));
    case 'float8[]':
      return textArray(values.map((v) => (v === null ? null : Array.isArray(v) && v.every((x) => typeof x === 'number') ? numberArray(v) : fail(v))));
  }
}

/** The array type a column's literal is sent as, and the cast that turns each unnested element into the column's type. */
const UNNEST_TYPE: Record<SqlType, [string, string]> = {
  text: ['text[]', ''], float8: ['float8[]', ''], 'float8[]': ['text[]', '::float8[]'], int: ['int[]', ''], timestamptz: ['timestamptz[]', ''],
  jsonb: ['text[]', '::jsonb'], money: ['numeric[]', ''],
};

/**
 * Writes the given fields of each row in one statement (one array parameter per field, unnested into rows: PostgreSQL
 * reads them several times faster than a JSON record set, src/db/array-literals.ts); `updated_at` moves to now. Rows
 * are matched by userId. With `segments` (by position: each row's segment id, null to unplace), the same statement
 * places the users there and records their moves (placements.ts).
 */
export async function writeFields<F extends Exclude<ProfileField, 'userId' | 'updatedAt' | 'createdAt'>>(
  sql: Sql,
  fields: readonly F[],
  rows: readonly (Pick<Profile, F> & { userId: string })[],
  segments?: readonly (string | null)[],
): Promise<void> {
  if (rows.length === 0) return;
  const set = fields.map((f, j) => `${COLUMNS[f][0]} = x.c${j}${UNNEST_TYPE[COLUMNS[f][1]][1]}`).join(', ');
  const arrays = ['$1::text[]', ...fields.map((f, j) => `$${j + 2}::${UNNEST_TYPE[COLUMNS[f][1]][0]}`)].join(', ');
  const names = ['user_id', ...fields.map((_, j) => `c${j}`)].join(', ');
  const params = [textArray(rows.map((r) => r.userId)), ...fields.map((f) => columnParam(COLUMNS[f][1], rows.map((r) => r[f])))];
  const update = `UPDATE profiles p SET ${set}, updated_at = now()
       FROM unnest(${arrays}) AS x(${names})
       WHERE p.user_id = x.user_id`;
  if (!segments) {
    await sql.query(update, params);
    return;
  }
  if (segments.length !== rows.length) throw new RangeError(`profile store: ${segments.length} segments for ${rows.length} rows`);
  params.push(textArray(segments));
  const placement = `unnest($1::text[], $${params.length}::uuid[])`;
  await sql.query(fields.length ? placeFrom(placement, { prefix: `updated AS (${update}),` }) : placeFrom(placement), params);
}

/**
 * Recounts the session totals from the event log, for users whose events arrived out of order or ended a session
 * without a duration (aggregates.ts applyEvents `recount`): a late event can split a session or join two, and a
 * duration derived from timestamps needs the session's first event, so only the timeline can say. The session rule
 * is the one of aggregates.ts (`sessionGapMs`). Session duration: per SESSION_END its durationSeconds when given,
 * else the time from its session's first event to the END. Both totals are on top of the imported baseline.
 * Returns the updated profiles with their demographics.
 */
export async function recountSessions(sql: Sql, userIds: readonly string[], sessionGapMs: number): Promise<ProfileWithDemographics[]> {
  const rows = await sql.query<JoinedRow>(
    `WITH ordered AS (
       SELECT user_id, type, occurred_at, duration_seconds, event_id,
              (type = 'SESSION_START' OR prev IS NULL OR occurred_at - prev > make_interval(secs => $2::float8 / 1000))::int AS starts
       FROM (SELECT user_id, type, occurred_at, duration_seconds, event_id,
                    lag(occurred_at) OVER (PARTITION BY user_id ORDER BY occurred_at, event_id) AS prev
             FROM events WHERE user_id = ANY($1::text[])) t),
     numbered AS (
       SELECT *, sum(starts) OVER (PARTITION BY user_id ORDER BY occurred_at, event_id ROWS UNBOUNDED PRECEDING) AS session
       FROM ordered),
     sessions AS (
       SELECT *, min(occurred_at) OVER (PARTITION BY user_id, session) AS session_start FROM numbered),
     s AS (
       SELECT user_id, sum(starts)::float8 AS n,
              COALESCE(sum(CASE WHEN type = 'SESSION_END'
                                THEN COALESCE(duration_seconds, extract(epoch FROM occurred_at - session_start)::float8) END), 0) AS duration
       FROM sessions GROUP BY user_id),
     updated AS (
       UPDATE profiles p SET sessions_count = p.base_sessions + s.n, total_session_duration = p.base_session_duration + s.duration
       FROM s
       WHERE p.user_id = s.user_id
       RETURNING p.*)
     SELECT ${selectList('updated')}, ${DEMOGRAPHICS} FROM updated JOIN users u ON u.id = updated.user_id ORDER BY updated.user_id`,
    [userIds, sessionGapMs],
  );
  return split(rows);
}

/** The warehouse baseline of one imported user: null keeps the stored value. */
export interface Baseline {
  userId: string;
  sessions: number | null;
  avgSessionDuration: number | null;
  pageViewsPerSession: number | null;
  totalSpent: number | null;
  purchases: number | null;
  lastPurchaseAt: Date | null;
}

/**
 * Replaces the imported baseline of each user's profile (profiles.base_*) and its share of the totals, keeping what
 * events added; creates missing profiles first, and waits for concurrent writers of the same profiles. Returns the
 * updated profiles with their demographics.
 * SET expressions see the row as it was, so "total - old base + new base" swaps the baseline in place.
 */
export async function swapBaseline(sql: Sql, baselines: readonly Baseline[]): Promise<ProfileWithDemographics[]> {
  const json = JSON.stringify(baselines);
  const userIds = baselines.map((b) => b.userId).sort();
  await sql.query(INSERT_MISSING, [userIds]);
  // Lock the rows first, in their own statement: the swap below then starts after any concurrent writer of these
  // profiles (an ingest, another import) has committed, with a snapshot that sees what it wrote. Read in the same
  // statement that waits for the lock, the events' latest purchase and the stored baseline would be the ones from
  // before that writer committed, and its newest purchase time would be lost.
  await sql.query('SELECT 1 FROM profiles WHERE user_id = ANY($1::text[]) ORDER BY user_id FOR UPDATE', [userIds]);
  const rows = await sql.query<JoinedRow>(
    `WITH updated AS (
       UPDATE profiles p SET
         base_sessions = b.s, base_session_duration = b.sd, base_page_views = b.pv,
         base_purchase_count = b.pc, base_total_spent = b.ts, base_last_purchase_at = b.lp,
         sessions_count = p.sessions_count - p.base_sessions + b.s,
         total_session_duration = p.total_session_duration - p.base_session_duration + b.sd,
         page_views = p.page_views - p.base_page_views + b.pv,
         purchase_count = p.purchase_count - p.base_purchase_count + b.pc,
         total_spent = p.total_spent - p.base_total_spent + b.ts,
         last_purchase_at = CASE WHEN p.event_count = 0 THEN b.lp ELSE greatest(b.lp,
           (SELECT max(e.occurred_at) FROM events e WHERE e.user_id = p.user_id AND e.type = 'PURCHASE')) END,
         updated_at = now()
       FROM (
         SELECT q.user_id, s,
                s * COALESCE(x."avgSessionDuration", CASE WHEN q.base_sessions > 0 THEN q.base_session_duration / q.base_sessions ELSE 0 END) AS sd,
                s * COALESCE(x."pageViewsPerSession", CASE WHEN q.base_sessions > 0 THEN q.base_page_views / q.base_sessions ELSE 0 END) AS pv,
                COALESCE(x.purchases, q.base_purchase_count) AS pc,
                COALESCE(x."totalSpent", q.base_total_spent) AS ts,
                COALESCE(x."lastPurchaseAt", q.base_last_purchase_at) AS lp
         FROM json_to_recordset($1::json) AS x("userId" text, sessions float8, "avgSessionDuration" float8,
                "pageViewsPerSession" float8, "totalSpent" numeric, purchases float8, "lastPurchaseAt" timestamptz)
         JOIN profiles q ON q.user_id = x."userId"
         CROSS JOIN LATERAL (SELECT COALESCE(x.sessions, q.base_sessions) AS s) AS s_
       ) b
       WHERE p.user_id = b.user_id
       RETURNING p.*)
     SELECT ${selectList('updated')}, ${DEMOGRAPHICS} FROM updated JOIN users u ON u.id = updated.user_id ORDER BY updated.user_id`,
    [json],
  );
  return split(rows);
}

/** Adds to each user's count of reviews awaiting an embedding (pairs by position; negative to take away). */
export async function addPendingEmbeddings(sql: Sql, userIds: readonly string[], deltas: readonly number[]): Promise<void> {
  if (userIds.length === 0) return;
  await sql.query(
    `UPDATE profiles p SET pending_embeddings = p.pending_embeddings + x.delta, updated_at = now()
     FROM unnest($1::text[], $2::int[]) AS x(user_id, delta) WHERE p.user_id = x.user_id`,
    [userIds, deltas],
  );
}

/** Profiles by user id (absent ones are missing from the map). */
export async function findProfiles(sql: Sql, userIds: readonly string[]): Promise<Map<string, Profile>> {
  const rows = await sql.query<Profile>(`SELECT ${selectList('p')} FROM profiles p WHERE p.user_id = ANY($1::text[])`, [userIds]);
  return new Map(rows.map((r) => [r.userId, r]));
}

export interface PageFilter {
  /**
   * only profiles with an event that arrived (events.received_at, the database clock) after this instant, whatever
   * its occurredAt: a back-dated event changes the profile as much as a current one. An index-only range scan of
   * events(received_at, user_id) per page, so the cost follows the events that arrived, not the size of the log.
   */
  receivedSince?: Date;
}

/** One keyset page of profiles with their demographics after `after`, in user id order. */
export async function pageWithDemographics(sql: Sql, after: string, limit: number, filter: PageFilter = {}): Promise<ProfileWithDemographics[]> {
  const params: unknown[] = [after, limit];
  const where = ['p.user_id > $1::text'];
  if (filter.receivedSince) {
    params.push(filter.receivedSince);
    where.push(`p.user_id IN (SELECT e.user_id FROM events e WHERE e.received_at > $${params.length}::timestamptz)`);
  }
  return split(
    await sql.query<JoinedRow>(
      `SELECT ${selectList('p')}, ${DEMOGRAPHICS} FROM profiles p JOIN users u ON u.id = p.user_id
       WHERE ${where.join(' AND ')} ORDER BY p.user_id LIMIT $2::int`,
      params,
    ),
  );
}

// decayTo (src/rules/decay.ts) over the stored state, in SQL: each weight times dailyDecay^(days since weights_at),
// those below PRUNE_BELOW dropped with their counts, weights_at moved to now. A state that readDecayState would not
// accept (not objects of numbers) becomes the empty state with no instant, as the JavaScript refresh stored it.
// Parameters: $3 now, $4 dailyDecay, $5 PRUNE_BELOW.
const WELL_FORMED = `(jsonb_typeof(p.category_weights -> 'weights') = 'object' AND jsonb_typeof(p.category_weights -> 'counts') = 'object'
  AND NOT EXISTS (SELECT 1 FROM jsonb_each(p.category_weights -> 'weights') e WHERE jsonb_typeof(e.value) <> 'number')
  AND NOT EXISTS (SELECT 1 FROM jsonb_each(p.category_weights -> 'counts') e WHERE jsonb_typeof(e.value) <> 'number'))`;
// the factor as decayFactor computes it: whole milliseconds (weights_at keeps milliseconds) over a day, in float8
const DECAY_FACTOR = `power($4::float8, ${msBetween('p.weights_at', '$3::timestamptz')} / 86400000)`;
const DECAYED_STATE = `jsonb_build_object(
    'weights', (SELECT COALESCE(jsonb_object_agg(w.key, w.weight), '{}') FROM (
                 SELECT e.key, e.value::text::float8 * ${DECAY_FACTOR} AS weight FROM jsonb_each(p.category_weights -> 'weights') e) w
               WHERE w.weight >= $5::float8),
    'counts', (SELECT COALESCE(jsonb_object_agg(c.key, c.value), '{}') FROM jsonb_each(p.category_weights -> 'counts') c
               WHERE NOT EXISTS (SELECT 1 FROM jsonb_each(p.category_weights -> 'weights') e
                                 WHERE e.key = c.key AND e.value::text::float8 * ${DECAY_FACTOR} < $5::float8)))`;

/**
 * Locks the next page of profiles after `after` (in user id order, as every writer locks) matching `filter`, brings
 * their interest state to `now` in SQL (see DECAYED_STATE; states already at or after `now` are left as they are),
 * and returns the page's user ids: one statement, computed on each row's latest version, so a concurrent writer's
 * change is never lost. The rows stay locked until the caller's transaction ends, for it to re-place them.
 */
export async function lockPageAndDecayInterests(
  sql: Sql,
  after: string,
  limit: number,
  filter: Pick<PageFilter, 'receivedSince'>,
  now: Date,
  dailyDecay: number,
): Promise<string[]> {
  const params: unknown[] = [after, limit, now, dailyDecay, PRUNE_BELOW];
  let since = '';
  if (filter.receivedSince) {
    params.push(filter.receivedSince);
    since = ` AND p.user_id IN (SELECT e.user_id FROM events e WHERE e.received_at > $6::timestamptz)`;
  }
  const [row] = await sql.query<{ userIds: string[] | null }>(
    `WITH page AS (
       SELECT p.user_id FROM profiles p WHERE p.user_id > $1::text${since} ORDER BY p.user_id LIMIT $2::int FOR UPDATE),
     decayed AS (
       UPDATE profiles p SET
         category_weights = CASE WHEN ${WELL_FORMED} THEN ${DECAYED_STATE} ELSE '{"weights": {}, "counts": {}}'::jsonb END,
         weights_at = CASE WHEN ${WELL_FORMED} THEN $3::timestamptz END,
         updated_at = now()
       FROM page
       WHERE p.user_id = page.user_id AND p.weights_at IS NOT NULL AND (p.weights_at < $3::timestamptz OR NOT ${WELL_FORMED})
       RETURNING p.user_id)
     SELECT array_agg(user_id ORDER BY user_id) AS "userIds" FROM page`,
    params,
  );
  return row?.userIds ?? [];
}

/** Every profile with its demographics, page by page in user id order (bounded memory). */
export async function* scanWithDemographics(sql: Sql, pageSize: number, filter: PageFilter = {}): AsyncGenerator<ProfileWithDemographics[]> {
  let after = '';
  for (;;) {
    const page = await pageWithDemographics(sql, after, pageSize, filter);
    if (page.length === 0) return;
    yield page;
    if (page.length < pageSize) return;
    after = page.at(-1)!.profile.userId;
  }
}

/** Number of profiles (optionally only those with events that arrived since an instant). */
export async function countProfiles(sql: Sql, filter: Pick<PageFilter, 'receivedSince'> = {}): Promise<number> {
  const rows = filter.receivedSince
    ? await sql.query<{ n: number }>(
        'SELECT count(DISTINCT e.user_id)::int AS n FROM events e JOIN profiles p ON p.user_id = e.user_id WHERE e.received_at > $1::timestamptz',
        [filter.receivedSince],
      )
    : await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM profiles');
  return rows[0]!.n;
}

// The user(id) hot read: one prepared statement (named, so PostgreSQL parses and plans it once per connection) on the
// node-postgres pool rather than Prisma's findMany with include, which compiled the query and mapped the rows in
// JavaScript on every call (bench/user-read.bench.ts: most of the service's CPU per request beyond bare GraphQL).
// Rows come as arrays (no keyed object for node-postgres to build and this code to take apart again) and timestamps
// as epoch milliseconds: a float8 parses for a fraction of what a timestamptz's text costs node-postgres, and the row
// has ten of them. floor() gives the millisecond node-postgres gives (it drops the microseconds).
const epochMs = (expr: string) => `(extract(epoch FROM ${expr}) * 1000)::float8`;

function hotReadColumn(alias: string, field: ProfileField): string {
  const [column, type] = COLUMNS[field];
  return type === 'timestamptz' ? epochMs(`${alias}.${column}`) : `${alias}.${column}${READ_CAST[type] ?? ''}`;
}

/** The users columns that come first in a hot-read row, then FIELDS in order. */
type HotUserPart = [id: string, age: number | null, gender: string | null, cityTier: number | null, createdAtMs: number, updatedAtMs: number];
type HotRow = [...HotUserPart, ...unknown[]];
const USER_PART = 6;
const IS_TIMESTAMP = FIELDS.map((f) => COLUMNS[f][1] === 'timestamptz');

const USERS_WITH_PROFILES: pg.QueryArrayConfig<[readonly string[]]> = {
  name: 'portrait_users_with_profiles',
  rowMode: 'array',
  text: `SELECT u.id, u.age, u.gender, u.city_tier, ${epochMs('u.created_at')}, ${epochMs('u.updated_at')},
                ${FIELDS.map((f) => hotReadColumn('p', f)).join(', ')}
         FROM users u LEFT JOIN profiles p ON p.user_id = u.id
         WHERE u.id = ANY($1::text[])`,
};

function hotProfile(r: HotRow): Profile | null {
  if (r[USER_PART] === null) return null; // profiles.user_id: the user has no profile row
  const profile: Record<string, unknown> = {};
  for (let i = 0; i < FIELDS.length; i++) {
    const v = r[USER_PART + i];
    profile[FIELDS[i]!] = IS_TIMESTAMP[i] && typeof v === 'number' ? new Date(Math.floor(v)) : v;
  }
  return profile as Profile;
}

/** Users with their profiles (null for a user without one), for the user(id) hot read: one query for a batch of ids. */
export async function findUsersWithProfiles(pool: pg.Pool, ids: readonly string[]): Promise<(User & { profile: Profile | null })[]> {
  const { rows } = await pool.query<HotRow, [readonly string[]]>(USERS_WITH_PROFILES, [ids]);
  return rows.map((r) => ({
    id: r[0],
    age: r[1],
    gender: r[2],
    cityTier: r[3],
    createdAt: new Date(Math.floor(r[4])),
    updatedAt: new Date(Math.floor(r[5])),
    profile: hotProfile(r),
  }));
}

/**
 * The seeded sample of profile-statistics.ts sampleProfiles (the same users in the same order: md5(user id, seed)),
 * as whole rows with demographics, for features derived in JS (the quality report's correlation and drift).
 */
export async function sampleWithDemographics(sql: Sql, seed: number, limit: number): Promise<ProfileWithDemographics[]> {
  return split(
    await sql.query<JoinedRow>(
      `SELECT ${selectList('p')}, ${DEMOGRAPHICS} FROM profiles p JOIN users u ON u.id = p.user_id
       ORDER BY ${seededOrderSql('p.user_id', '$1::text')} LIMIT $2::int`,
      [String(seed), limit],
    ),
  );
}

/** What a segment's users write: the sums of their text aggregates and a few representative reviews. */
export interface SegmentTextSums {
  /** reviews with text or a rating */
  reviews: number;
  sentimentSum: number;
  negativeReviews: number;
  /** topic id -> sum of the review shares */
  topicSums: Record<string, number>;
  /** up to EXAMPLES_PER_SEGMENT review texts, those whose sentiment is nearest the segment's mean first */
  examples: string[];
}

const EXAMPLES_PER_SEGMENT = 3;

/**
 * The text sums of each segment's users (placements.ts: the active model's segments; others have no users), in
 * three SQL aggregates for any number of segments. A representative review is one of the segment's reviews with text
 * whose sentiment is nearest the segment's mean sentiment (ties: the most recent), one per user at most.
 */
export function segmentTextSums(sql: Sql, segmentIds: readonly string[]): Promise<Map<string, SegmentTextSums>> {
  return textSums(sql, { sql: placedInSegmentsSql(1), params: [segmentIds] });
}

/**
 * The same sums for groups of users given as a membership query (`key`, `user_id` columns; its parameters are $1..),
 * e.g. a model's training members (segmentation/training-members.ts) or a training's assignment before the model is written.
 */
export async function textSums(sql: Sql, members: { sql: string; params: readonly unknown[] }): Promise<Map<string, SegmentTextSums>> {
  const m = `members AS (${members.sql})`;
  const n = members.params.length;
  const [totals, topics, examples] = await Promise.all([
    sql.query<{ id: string; reviews: number; sentimentSum: number; negative: number }>(
      `WITH ${m}
       SELECT m.key AS id, sum(p.text_reviews)::int AS reviews, sum(p.sentiment_sum)::float8 AS "sentimentSum",
              sum(p.negative_reviews)::int AS negative
       FROM members m JOIN profiles p ON p.user_id = m.user_id WHERE p.text_reviews > 0 GROUP BY m.key`,
      [...members.params],
    ),
    sql.query<{ id: string; topic: string; sum: number }>(
      `WITH ${m}
       SELECT m.key AS id, t.key AS topic, sum(t.value::text::float8)::float8 AS sum
       FROM members m JOIN profiles p ON p.user_id = m.user_id CROSS JOIN LATERAL jsonb_each(p.topic_sums) t
       WHERE p.text_reviews > 0 AND jsonb_typeof(t.value) = 'number'
       GROUP BY m.key, t.key`,
      [...members.params],
    ),
    sql.query<{ id: string; text: string }>(
      `WITH ${m},
       means AS (
         SELECT m.key, sum(p.sentiment_sum) / sum(p.text_reviews) AS mean
         FROM members m JOIN profiles p ON p.user_id = m.user_id WHERE p.text_reviews > 0 GROUP BY m.key),
       per_user AS (
         SELECT DISTINCT ON (m.user_id) m.key, e.text, abs(e.sentiment - mm.mean) AS gap, e.occurred_at
         FROM members m JOIN means mm ON mm.key = m.key
         JOIN profiles p ON p.user_id = m.user_id
         JOIN events e ON e.user_id = m.user_id AND e.type = 'REVIEW' AND e.sentiment IS NOT NULL AND e.text IS NOT NULL
         WHERE p.text_reviews > 0
         ORDER BY m.user_id, abs(e.sentiment - mm.mean), e.occurred_at DESC),
       ranked AS (
         SELECT key, text, row_number() OVER (PARTITION BY key ORDER BY gap, occurred_at DESC, text) AS rank FROM per_user)
       SELECT key AS id, text FROM ranked WHERE rank <= $${n + 1}::int ORDER BY key, rank`,
      [...members.params, EXAMPLES_PER_SEGMENT],
    ),
  ]);
  const out = new Map<string, SegmentTextSums>(
    totals.map((t) => [t.id, { reviews: t.reviews, sentimentSum: t.sentimentSum, negativeReviews: t.negative, topicSums: {}, examples: [] }]),
  );
  for (const t of topics) {
    const s = out.get(t.id);
    if (s) s.topicSums[t.topic] = t.sum;
  }
  for (const e of examples) out.get(e.id)?.examples.push(e.text);
  return out;
}
