// The reduced mean-embedding dimensions of the TEXT group (textEmbedding1..EMBEDDING_FEATURE_DIMS): each user's mean
// review embedding (profiles.embedding_sum / embedded_reviews) projected on the leading principal components of the
// reviewers' mean embeddings. The projection is fitted at training, on a seeded sample of the users whose sums are in
// the most common embedding space, and stored with the model (details.embedding), so live assignment, predictSegment
// and the explanations project the same way.
// A user without an embedding in the model's space (no review with text, or a sum in another space) is at 0 on every
// dimension: the reviewers' centre, no voice of its own (hasReviews tells them apart).
import { z } from 'zod';
import type { Sql } from '../../db/sql.ts';
import { matrix } from '../../compute/matrix.ts';
import { leadingComponents } from '../../compute/projection/leading-components.ts';
import type { Profile } from '../profiles/profile-store.ts';
import { seededOrderSql } from '../profiles/profile-statistics.ts';

export const EMBEDDING_FEATURE_DIMS = 4;
export const EMBEDDING_FEATURES = ['textEmbedding1', 'textEmbedding2', 'textEmbedding3', 'textEmbedding4'] as const;
export type EmbeddingFeature = (typeof EMBEDDING_FEATURES)[number];
const INDEX: ReadonlyMap<string, number> = new Map(EMBEDDING_FEATURES.map((f, i) => [f, i]));
export const isEmbeddingFeature = (f: string): f is EmbeddingFeature => INDEX.has(f);

/** Reviewers the projection is fitted on (a seeded sample above it). */
const FIT_SAMPLE = 5_000;

export const embeddingProjectionSchema = z.object({
  space: z.string(),
  mean: z.array(z.number()),
  components: z.array(z.array(z.number())),
});
export type EmbeddingProjection = z.infer<typeof embeddingProjectionSchema>;

/** One reduced dimension of a profile's mean embedding (0 without an embedding in the projection's space). */
export function embeddingFeature(p: Pick<Profile, 'embeddingSum' | 'embeddingSpace' | 'embeddedReviews'>, f: EmbeddingFeature, proj: EmbeddingProjection): number {
  const comp = proj.components[INDEX.get(f)!];
  if (!comp || p.embeddingSpace !== proj.space || p.embeddedReviews === 0 || p.embeddingSum.length !== proj.mean.length) return 0;
  let s = 0;
  for (let j = 0; j < comp.length; j++) s += (p.embeddingSum[j]! / p.embeddedReviews - proj.mean[j]!) * comp[j]!;
  return s;
}

/**
 * Fits the projection on the reviewers' mean embeddings of the most common space (null when no user has one): a
 * seeded sample (md5 of user id and seed), EMBEDDING_FEATURE_DIMS leading components (fewer when the space is
 * narrower; a missing component projects to 0).
 */
export async function fitEmbeddingProjection(sql: Sql, seed: number): Promise<EmbeddingProjection | null> {
  const [top] = await sql.query<{ space: string }>(
    `SELECT embedding_space AS space FROM profiles WHERE embedded_reviews > 0 AND embedding_space IS NOT NULL
     GROUP BY embedding_space ORDER BY count(*) DESC, embedding_space LIMIT 1`,
  );
  if (!top) return null;
  const rows = await sql.query<{ sum: number[]; n: number }>(
    `SELECT embedding_sum AS sum, embedded_reviews AS n FROM profiles
     WHERE embedding_space = $1::text AND embedded_reviews > 0
     ORDER BY ${seededOrderSql('user_id', '$2::text')} LIMIT $3::int`,
    [top.space, String(seed), FIT_SAMPLE],
  );
  const d = rows[0]!.sum.length;
  const usable = rows.filter((r) => r.sum.length === d);
  if (usable.length < 2 || d === 0) return null;
  const m = matrix(usable.length, d);
  usable.forEach((r, i) => r.sum.forEach((v, j) => (m.data[i * d + j] = v / r.n)));
  const fit = await leadingComponents(m, EMBEDDING_FEATURE_DIMS, { seed });
  return { space: top.space, mean: fit.mean, components: fit.components };
}
