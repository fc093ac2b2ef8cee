// Audience membership, computed in SQL: set-wise for the whole population (create, update, the hourly schedule) and
// for the users of one write (ingest, import: LiveAudiences). Every entry and exit is recorded in
// audience_membership_changes by the statement that makes it.
//
// The two never miss each other's writes through the one row of audience_generation:
// - a set-wise recomputation (and any change to the set of audiences) first bumps the generation, which row-locks it
//   until its transaction ends, and computes in a later statement (so it sees every writer that committed before);
// - the live statement share-locks that row and writes only if the generation is the one its SQL was compiled for.
//   A writer that waited for a recomputation finds the generation moved, reloads the audiences and evaluates again
//   in a new statement, which sees the recomputation's rows. A recomputation that starts while a writer holds the
//   share lock waits for that writer to commit.
import type { Sql } from '../../db/sql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { compileRule, SharedFields } from './compile-rule.ts';
import { Params } from '../profiles/profile-features-sql.ts';
import { FIELD_SOURCE } from './fields.ts';
import { dependsOnPlacement, parseRule, type Rule } from './rule.ts';

/** Bumps the generation (creating its row if a database lacks it) and holds its lock until the transaction ends. */
export async function bumpGeneration(sql: Sql): Promise<void> {
  await sql.query(
    `INSERT INTO audience_generation (id, generation) VALUES (1, 1)
     ON CONFLICT (id) DO UPDATE SET generation = audience_generation.generation + 1`,
  );
}

const LOG_CHANGES = (audienceColumn: string) => `
  logged AS (
    INSERT INTO audience_membership_changes (audience_id, user_id, entered, at)
    SELECT ${audienceColumn}, user_id, true, $2::timestamptz FROM entered
    UNION ALL SELECT ${audienceColumn}, user_id, false, $2::timestamptz FROM exited)`;

/**
 * Recomputes one audience over every user, writing only the differences (and logging them). Call after
 * bumpGeneration, in the same transaction.
 */
export async function recomputeAudience(sql: Sql, audienceId: string, rule: Rule, now: Date, config: PortraitConfig): Promise<{ entered: number; exited: number }> {
  const params = new Params([audienceId, now]);
  const fields = new SharedFields(params, '$2::timestamptz', config);
  const where = compileRule(rule, fields);
  const rows = await sql.query<{ entered: number; exited: number }>(
    `WITH fresh AS (SELECT p.user_id FROM ${FIELD_SOURCE} ${fields.lateral()} WHERE ${where}),
     entered AS (
       INSERT INTO audience_members (audience_id, user_id, entered_at)
       SELECT $1::uuid, f.user_id, $2::timestamptz FROM fresh f
       WHERE NOT EXISTS (SELECT 1 FROM audience_members m WHERE m.audience_id = $1::uuid AND m.user_id = f.user_id)
       ON CONFLICT DO NOTHING
       RETURNING user_id),
     exited AS (
       DELETE FROM audience_members m
       WHERE m.audience_id = $1::uuid AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.user_id = m.user_id)
       RETURNING m.user_id),
     ${LOG_CHANGES('$1::uuid')}
     SELECT (SELECT count(*) FROM entered)::int AS entered, (SELECT count(*) FROM exited)::int AS exited`,
    params.values,
  );
  return rows[0]!;
}

/**
 * Called by a model activation (activateModel, a training that activates its model) in its own transaction, after
 * every user was moved: recomputes, set-wise, each audience whose rule tests `segment` or `lineage`, so its entries and
 * exits are recorded (and reach the membership_changes outbox through its trigger) with the activation, or not at
 * all. The generation bump also makes live writers waiting on the activation evaluate again against the new segments.
 * Lock order matches the live writers': the active model's row first (the activation holds it), then the generation.
 */
export async function recomputeAudiencesOnActivation(sql: Sql, now: Date, config: PortraitConfig): Promise<{ audiences: number; entered: number; exited: number }> {
  const totals = { audiences: 0, entered: 0, exited: 0 };
  await bumpGeneration(sql);
  // read after the bump: no audience can be created or changed until this transaction ends
  const rows = await sql.query<{ id: string; rule: unknown }>('SELECT id::text AS id, rule FROM audiences ORDER BY id');
  for (const row of rows) {
    const rule = parseRule(row.rule);
    if (!dependsOnPlacement(rule)) continue;
    const r = await recomputeAudience(sql, row.id, rule, now, config);
    totals.audiences++;
    totals.entered += r.entered;
    totals.exited += r.exited;
  }
  return totals;
}

/** The live statement for one generation of the audiences: its SQL and the parameters after $1-$3. */
interface Compiled {
  generation: string;
  audiences: number;
  text: string;
  params: readonly unknown[];
}

function compileLive(generation: string, audiences: readonly { id: string; rule: Rule }[], config: PortraitConfig): Compiled {
  // $1 the users, $2 now, $3 the generation compiled for
  const params = new Params([null, null, null]);
  // every field the audiences read, computed once per user for all of them
  const fields = new SharedFields(params, '$2::timestamptz', config);
  const arms = audiences.map((a) => `(${params.add(a.id, 'text')}, ${compileRule(a.rule, fields)})`);
  const fresh = arms.length
    ? `SELECT a.audience_id::uuid AS audience_id, p.user_id FROM ${FIELD_SOURCE} ${fields.lateral()}
       CROSS JOIN LATERAL (VALUES ${arms.join(', ')}) AS a(audience_id, hit)
       WHERE p.user_id = ANY($1::text[]) AND a.hit AND EXISTS (SELECT 1 FROM ok)`
    : 'SELECT NULL::uuid AS audience_id, NULL::text AS user_id WHERE false';
  const text = `
    WITH gen AS (SELECT generation FROM audience_generation WHERE id = 1 FOR SHARE),
    ok AS (SELECT 1 FROM gen WHERE generation = $3::bigint),
    fresh AS (${fresh}),
    old AS (SELECT m.audience_id, m.user_id FROM audience_members m WHERE m.user_id = ANY($1::text[]) AND EXISTS (SELECT 1 FROM ok)),
    entered AS (
      INSERT INTO audience_members (audience_id, user_id, entered_at)
      SELECT f.audience_id, f.user_id, $2::timestamptz FROM fresh f
      WHERE NOT EXISTS (SELECT 1 FROM old o WHERE o.audience_id = f.audience_id AND o.user_id = f.user_id)
      ON CONFLICT DO NOTHING
      RETURNING audience_id, user_id),
    exited AS (
      DELETE FROM audience_members m USING old o
      WHERE m.audience_id = o.audience_id AND m.user_id = o.user_id
        AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.audience_id = o.audience_id AND f.user_id = o.user_id)
      RETURNING m.audience_id, m.user_id),
    ${LOG_CHANGES('audience_id')}
    SELECT EXISTS (SELECT 1 FROM ok) AS current`;
  return { generation, audiences: audiences.length, text, params: params.values.slice(3) };
}

/** How many times a write reloads the audiences before giving up (each reload means they changed meanwhile). */
const MAX_RELOADS = 10;

/**
 * Keeps the audiences of the users a write changed current, inside that write's transaction, in one statement
 * (plus a reload when the audiences changed since this process last compiled them). One per process.
 */
export class LiveAudiences {
  private compiled: Compiled | null = null;

  constructor(private readonly config: PortraitConfig) {}

  /** Re-evaluates every audience for `userIds` as their rows are now in this transaction. */
  async evaluate(sql: Sql, userIds: readonly string[], now: Date): Promise<void> {
    if (userIds.length === 0) return;
    let compiled = this.compiled ?? (await this.reload(sql));
    for (let reloads = 0; ; reloads++) {
      const [row] = await sql.query<{ current: boolean }>(compiled.text, [userIds, now, compiled.generation, ...compiled.params]);
      if (row?.current) return;
      if (reloads === MAX_RELOADS) throw new Error(`audiences changed ${MAX_RELOADS} times during one write`);
      compiled = await this.reload(sql);
    }
  }

  private async reload(sql: Sql): Promise<Compiled> {
    // A database without the generation row (one emptied by a test's reset) gets it, so there is a row to lock.
    await sql.query('INSERT INTO audience_generation (id, generation) VALUES (1, 0) ON CONFLICT DO NOTHING');
    const [row] = await sql.query<{ generation: string; audiences: { id: string; rule: unknown }[] }>(
      `SELECT g.generation::text AS generation,
              COALESCE((SELECT json_agg(json_build_object('id', a.id, 'rule', a.rule) ORDER BY a.id) FROM audiences a), '[]') AS audiences
       FROM audience_generation g WHERE g.id = 1`,
    );
    const compiled = compileLive(row!.generation, row!.audiences.map((a) => ({ id: a.id, rule: parseRule(a.rule) })), this.config);
    // Concurrent transactions share the cache; one holding an older generation only costs the next write a reload.
    this.compiled = compiled;
    return compiled;
  }
}
