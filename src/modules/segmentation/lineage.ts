// Segment lineage: the identity of a group of users across models, so that what refers to a segment (audiences,
// exports, webhooks, membership history) survives a retrain.
//
// The rule: a new model's segment A takes the lineage of the active model's segment B when their training members,
// counted over the users both models were trained on, have a Jaccard index |A ∩ B| / |A ∪ B| above 1/2; otherwise A
// keeps the new lineage it was created with. Above 1/2 the matching is one-to-one by itself, with no assignment
// step: A ∩ B is then more than half of A and more than half of B, and both models' segments partition the shared
// users, so no other B' can share more than half of A (nor another A' more than half of B). Two trainings that find
// the same groups (another seed, the same data) keep every lineage; a group that is new, or a segment split into
// halves or merged from two, gets a new one. Counting only the shared users keeps users who arrived (or left) between
// the trainings from diluting the overlap.
import type { Sql } from '../../db/sql.ts';
import { trainingMembersOfModelSql } from './training-members.ts';

/** Fraction of the union two segments must share (strictly more) for the new one to keep the old one's lineage. */
const LINEAGE_JACCARD = 0.5;

const MATCH_LINEAGES = `
  WITH shared AS (
    SELECT n.segment_id AS fresh, a.segment_id AS active, count(*)::float8 AS n
    FROM training_labels n
    JOIN (${trainingMembersOfModelSql(1)}) a ON a.user_id = n.user_id
    GROUP BY 1, 2),
  fresh_sizes AS (SELECT fresh, sum(n) AS size FROM shared GROUP BY fresh),
  active_sizes AS (SELECT active, sum(n) AS size FROM shared GROUP BY active),
  matched AS (
    SELECT s.fresh, old.lineage
    FROM shared s
    JOIN fresh_sizes f ON f.fresh = s.fresh
    JOIN active_sizes a ON a.active = s.active
    JOIN segments old ON old.id = s.active
    WHERE s.n / (f.size + a.size - s.n) > $2::float8)
  UPDATE segments seg SET lineage = m.lineage FROM matched m WHERE seg.id = m.fresh
  RETURNING seg.id::text AS id`;

/**
 * Gives the new model's segments the lineages of the active model's segments they match; the others keep theirs.
 * The new model's side is its training labels as the save staged them (training-members.ts stageTrainingLabels): its
 * training members, but for users erased meanwhile, who are in neither model's members any more and so not shared.
 * (A real table with statistics: joined to the active model's chunks, whose unnest the planner cannot size, it keeps
 * the planner off a nested loop over a million rows.) Returns how many matched.
 */
export async function matchLineages(sql: Sql, activeModelId: string): Promise<number> {
  const rows = await sql.query<{ id: string }>(MATCH_LINEAGES, [activeModelId, LINEAGE_JACCARD]);
  return rows.length;
}
