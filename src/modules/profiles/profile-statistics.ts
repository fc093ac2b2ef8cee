// Population-wide figures over the profiles (the quality report's SQL): every figure is an aggregate computed by
// PostgreSQL, except the read-time features, which the caller derives in JS from a bounded, seeded sample of
// profiles (at most MAX_SAMPLE rows ever leave the database).
import type { Db, Tx } from '../../db/client.ts';
import type { Profile } from './profile-store.ts';

/** The profile columns whose completeness is reported, in report order. */
export const COMPLETENESS_FEATURES = [
  'sessionsCount',
  'totalSessionDuration',
  'pageViews',
  'purchaseFrequency',
  'totalSpent',
  'lastPurchase',
  'age',
  'gender',
  'cityTier',
  'interestState',
] as const;
export type CompletenessFeature = (typeof COMPLETENESS_FEATURES)[number];

/** The stored columns the sampled features are derived from. */
export type SampledProfile = Pick<
  Profile,
  'userId' | 'sessionsCount' | 'totalSessionDuration' | 'eventCount' | 'firstEventAt' | 'lastEventAt' | 'categoryWeights' | 'weightsAt'
>;

type Client = Db | Tx;

export const MAX_SAMPLE = 10_000;

type CoverageCounts = { users: number; profiled: number } & Record<CompletenessFeature, number>;

/**
 * All users, users with a profile, and per key column the users with a non-default value: non-zero totals, non-null
 * dates and demographics, an interest state with at least one category. A user without a profile has defaults only.
 */
export async function coverageCounts(client: Client): Promise<CoverageCounts> {
  const [row] = await client.$queryRaw<CoverageCounts[]>`
    SELECT count(*)::int AS users,
           count(p.user_id)::int AS profiled,
           count(*) FILTER (WHERE p.sessions_count > 0)::int AS "sessionsCount",
           count(*) FILTER (WHERE p.total_session_duration > 0)::int AS "totalSessionDuration",
           count(*) FILTER (WHERE p.page_views > 0)::int AS "pageViews",
           count(*) FILTER (WHERE p.purchase_count > 0)::int AS "purchaseFrequency",
           count(*) FILTER (WHERE p.total_spent > 0)::int AS "totalSpent",
           count(*) FILTER (WHERE p.last_purchase_at IS NOT NULL)::int AS "lastPurchase",
           count(*) FILTER (WHERE u.age IS NOT NULL)::int AS age,
           count(*) FILTER (WHERE u.gender IS NOT NULL)::int AS gender,
           count(*) FILTER (WHERE u.city_tier IS NOT NULL)::int AS "cityTier",
           count(*) FILTER (WHERE p.weights_at IS NOT NULL AND p.category_weights -> 'weights' <> '{}'::jsonb)::int AS "interestState"
    FROM users u LEFT JOIN profiles p ON p.user_id = u.id`;
  return row!;
}

interface RawStats {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  max: number | null;
}

interface ProfileStats {
  profiled: number;
  eventsPerUser: RawStats;
  profileAgeHours: RawStats;
  updatedLast24h: number;
  lastActivityAgeHours: RawStats;
  activeLast24h: number;
}

/**
 * Over all profiles, in one scan: events per profile, hours since each profile's update and since its last event
 * (both as of `now`, never negative), and how many of each fall within the last 24 hours.
 */
export async function profileStats(client: Client, now: Date): Promise<ProfileStats> {
  const at = now.toISOString();
  const [r] = await client.$queryRaw<
    {
      profiled: number;
      ev_mean: number | null; ev_p50: number | null; ev_p90: number | null; ev_max: number | null;
      up_mean: number | null; up_p50: number | null; up_p90: number | null; up_max: number | null; up_24h: number;
      act_count: number; act_mean: number | null; act_p50: number | null; act_p90: number | null; act_max: number | null; act_24h: number;
    }[]
  >`
    SELECT count(*)::int AS profiled,
           avg(p.event_count)::float8 AS ev_mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY p.event_count) AS ev_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY p.event_count) AS ev_p90,
           max(p.event_count)::float8 AS ev_max,
           avg(a.updated_h) AS up_mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.updated_h) AS up_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY a.updated_h) AS up_p90,
           max(a.updated_h) AS up_max,
           count(*) FILTER (WHERE a.updated_h < 24)::int AS up_24h,
           count(a.active_h)::int AS act_count,
           avg(a.active_h) AS act_mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.active_h) AS act_p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY a.active_h) AS act_p90,
           max(a.active_h) AS act_max,
           count(*) FILTER (WHERE a.active_h < 24)::int AS act_24h
    FROM profiles p
    CROSS JOIN LATERAL (
      SELECT greatest(0, extract(epoch FROM ${at}::timestamptz - p.updated_at))::float8 / 3600 AS updated_h,
             -- greatest() skips NULLs: a profile with no event must stay NULL here, not become 0
             CASE WHEN p.last_event_at IS NOT NULL
                  THEN greatest(0, extract(epoch FROM ${at}::timestamptz - p.last_event_at))::float8 / 3600 END AS active_h
    ) a`;
  const row = r!;
  return {
    profiled: row.profiled,
    eventsPerUser: { count: row.profiled, mean: row.ev_mean, p50: row.ev_p50, p90: row.ev_p90, max: row.ev_max },
    profileAgeHours: { count: row.profiled, mean: row.up_mean, p50: row.up_p50, p90: row.up_p90, max: row.up_max },
    updatedLast24h: row.up_24h,
    lastActivityAgeHours: { count: row.act_count, mean: row.act_mean, p50: row.act_p50, p90: row.act_p90, max: row.act_max },
    activeLast24h: row.act_24h,
  };
}

/**
 * The order of every seeded sample of profiles (`ORDER BY` it, then `LIMIT` the sample's size): md5(user id, seed) is
 * random-looking, fixed for a seed, and a user's place in it does not depend on the other rows (a top-N sort: bounded
 * memory), so samples of the same seed hold the same users in the same order whoever draws them. `userId` is the user
 * id column, `seed` an SQL text expression (a parameter).
 */
export const seededOrderSql = (userId: string, seed: string) => `md5(${userId} || ':' || ${seed}), ${userId}`;

/** A seeded pseudo-random sample of at most `limit` profiles (seededOrderSql). */
export async function sampleProfiles(client: Client, seed: number, limit: number): Promise<SampledProfile[]> {
  return client.$queryRawUnsafe<SampledProfile[]>(
    `SELECT user_id AS "userId", sessions_count AS "sessionsCount", total_session_duration AS "totalSessionDuration",
            event_count AS "eventCount", first_event_at AS "firstEventAt", last_event_at AS "lastEventAt",
            category_weights AS "categoryWeights", weights_at AS "weightsAt"
     FROM profiles
     ORDER BY ${seededOrderSql('user_id', '$1::text')}
     LIMIT $2::int`,
    String(seed),
    Math.min(limit, MAX_SAMPLE),
  );
}

/**
 * The user, profile and placement columns of the column report, by API name: table alias (u users, p profiles, pl
 * segment_placements, where a user's segment is named by its lineage) . column.
 */
const QUALITY_COLUMNS = {
  age: 'u.age',
  gender: 'u.gender',
  cityTier: 'u.city_tier',
  sessionsCount: 'p.sessions_count',
  totalSessionDuration: 'p.total_session_duration',
  pageViews: 'p.page_views',
  totalDwellSeconds: 'p.total_dwell_seconds',
  clicks: 'p.clicks',
  cartAdds: 'p.cart_adds',
  reviews: 'p.reviews',
  purchaseFrequency: 'p.purchase_count',
  totalSpent: 'p.total_spent',
  eventCount: 'p.event_count',
  lastPurchaseAt: 'p.last_purchase_at',
  firstEventAt: 'p.first_event_at',
  lastEventAt: 'p.last_event_at',
  segmentId: 'pl.lineage',
} as const;

interface ColumnCounts {
  column: string;
  /** numeric, text, timestamp, boolean, json or id */
  type: string;
  missing: number;
  distinct: number;
  duplicates: number;
}

const TABLE_OF_ALIAS = { u: 'users', p: 'profiles', pl: 'segment_placements' } as const;

/** PostgreSQL's data types (information_schema's data_type) by the kind the report names. */
const TYPE_KINDS: Record<string, string> = {
  smallint: 'numeric',
  integer: 'numeric',
  bigint: 'numeric',
  numeric: 'numeric',
  real: 'numeric',
  'double precision': 'numeric',
  text: 'text',
  'character varying': 'text',
  character: 'text',
  'timestamp with time zone': 'timestamp',
  'timestamp without time zone': 'timestamp',
  date: 'timestamp',
  boolean: 'boolean',
  json: 'json',
  jsonb: 'json',
  uuid: 'id',
};

/** Each report column's kind of data, read from the catalogue (a type it does not know is named as PostgreSQL names it). */
async function columnTypes(client: Client): Promise<Map<string, string>> {
  const rows = await client.$queryRaw<{ table_name: string; column_name: string; data_type: string }[]>`
    SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name IN ('users', 'profiles', 'segment_placements')`;
  const byColumn = new Map(rows.map((r) => [`${r.table_name}.${r.column_name}`, r.data_type]));
  const types = new Map<string, string>();
  for (const [name, ref] of Object.entries(QUALITY_COLUMNS)) {
    const [alias, column] = ref.split('.') as [keyof typeof TABLE_OF_ALIAS, string];
    const dataType = byColumn.get(`${TABLE_OF_ALIAS[alias]}.${column}`);
    if (dataType === undefined) throw new Error(`column report: ${ref} is not a column of ${TABLE_OF_ALIAS[alias]}`);
    types.set(name, TYPE_KINDS[dataType] ?? dataType.toLowerCase());
  }
  return types;
}

/**
 * Per column, over all users (one scan of users joined to profiles): users with no value (NULL, or no profile at all),
 * distinct values and duplicates (non-null values that repeat another row's: non-null count - distinct count), and
 * the column's kind of data. Returns the number of users too, the denominator of the shares.
 */
export async function columnCounts(client: Client): Promise<{ users: number; columns: ColumnCounts[] }> {
  const names = Object.keys(QUALITY_COLUMNS) as (keyof typeof QUALITY_COLUMNS)[];
  // the column list is this file's constant, never input
  const select = names
    .map((n, i) => {
      const c = QUALITY_COLUMNS[n];
      return `count(*) FILTER (WHERE ${c} IS NULL)::int AS m${i}, count(DISTINCT ${c})::int AS d${i}, count(${c})::int AS n${i}`;
    })
    .join(', ');
  const [row] = await client.$queryRawUnsafe<Record<string, number>[]>(
    `SELECT count(*)::int AS users, ${select}
     FROM users u LEFT JOIN profiles p ON p.user_id = u.id LEFT JOIN segment_placements pl ON pl.user_id = u.id`,
  );
  const types = await columnTypes(client);
  const r = row!;
  return {
    users: r.users!,
    columns: names.map((column, i) => ({
      column,
      type: types.get(column)!,
      missing: r[`m${i}`]!,
      distinct: r[`d${i}`]!,
      duplicates: r[`n${i}`]! - r[`d${i}`]!,
    })),
  };
}

export interface ConfidenceWeights {
  evidence: number;
  recency: number;
  completeness: number;
}

/**
 * Distribution of per-profile confidence, in one scan (README, Monitoring):
 *   evidence     = min(1, ln(1 + n) / ln(1 + eventsCap)), n = events + imported sessions + imported orders
 *   recency      = 0.5 ^ (hours since the last activity / half-life), 0 with no activity at all
 *   completeness = share of age, gender, city tier and interest state that are known
 *   confidence   = weights.evidence * evidence + weights.recency * recency + weights.completeness * completeness
 */
export async function confidenceStats(client: Client, now: Date, opts: { eventsCap: number; halfLifeHours: number; weights: ConfidenceWeights }): Promise<RawStats> {
  const w = opts.weights;
  const [r] = await client.$queryRaw<RawStats[]>`
    WITH c AS (
      SELECT ${w.evidence}::float8 * least(1, ln(1 + greatest(0, p.event_count + p.base_sessions + p.base_purchase_count)) / ln(1 + ${opts.eventsCap}::float8))
           -- greatest() skips NULLs: no activity at all must stay NULL (recency 0), not become an age of 0 (recency 1);
           -- past 1000 half-lives the term is 0 for any purpose, and power() would underflow
           + ${w.recency}::float8 * CASE WHEN a.at IS NULL THEN 0 ELSE power(0.5, least(1000,
                 greatest(0, extract(epoch FROM ${now.toISOString()}::timestamptz - a.at))::float8 / 3600 / ${opts.halfLifeHours}::float8)) END
           + ${w.completeness}::float8 * ((u.age IS NOT NULL)::int + (u.gender IS NOT NULL)::int + (u.city_tier IS NOT NULL)::int
                 + coalesce(p.weights_at IS NOT NULL AND p.category_weights -> 'weights' <> '{}'::jsonb, false)::int)::float8 / 4 AS v
      FROM profiles p JOIN users u ON u.id = p.user_id
      CROSS JOIN LATERAL (SELECT greatest(p.last_event_at, p.last_purchase_at, p.base_last_purchase_at) AS at) a
    )
    SELECT count(*)::int AS count, avg(v)::float8 AS mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY v) AS p90,
           max(v)::float8 AS max
    FROM c`;
  return r!;
}
