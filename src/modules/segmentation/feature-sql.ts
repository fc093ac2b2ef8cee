// Every training feature as SQL over a user's rows (`profiles` as ctx.p, `users` as `u`, population statistics as a
// row aliased `ps` with an `id` and an `rfm_cuts` column), mirroring writeFeatures (features.ts) definition for
// definition: the profile features of profile-features-sql.ts, the text features of textFeatureSql, the RFM scores of
// population-stats-sql.ts. Audiences select users with it, and training reads its matrix with it (load-features.ts),
// so both see the numbers the API shows.
import { demographicSql, featureSql, type FeatureSqlContext } from '../profiles/profile-features-sql.ts';
import { profileColumn } from '../profiles/profile-store.ts';
import { rfmScoresSql, type RfmInputsSql } from '../population/population-stats-sql.ts';
import { isEmbeddingFeature, isTextFeature, textFeatureSql, type FeatureName } from './features.ts';
import { EMBEDDING_FEATURES, type EmbeddingFeature, type EmbeddingProjection } from './embedding-features.ts';

/** The inputs of the RFM scores: days since the last order, orders, spend. */
export const rfmInputsSql = (ctx: FeatureSqlContext): RfmInputsSql => ({
  recencyDays: featureSql('lastPurchaseDays', ctx),
  frequency: featureSql('purchaseFrequency', ctx),
  monetary: featureSql('totalSpent', ctx),
});

/**
 * A reduced embedding dimension (embeddingFeature in embedding-features.ts, term for term and in the same order, so the
 * sums agree): the user's mean embedding minus the projection's mean, on one component; 0 without an embedding in the
 * projection's space. The projection's numbers go in as literals (`ctx.param`), like every other value of the statement.
 */
function embeddingFeatureSql(name: EmbeddingFeature, ctx: FeatureSqlContext, proj: EmbeddingProjection): string {
  const comp = proj.components[EMBEDDING_FEATURES.indexOf(name)];
  if (!comp) return '0::float8';
  const p = ctx.p;
  return `CASE WHEN ${p}.embedding_space = ${ctx.param(proj.space, 'text')} AND ${p}.embedded_reviews > 0
    AND cardinality(${p}.embedding_sum) = ${proj.mean.length}
    THEN (SELECT sum((x.e / ${p}.embedded_reviews - x.m) * x.c)
          FROM unnest(${p}.embedding_sum, ${ctx.param(proj.mean, 'float8[]')}, ${ctx.param(comp, 'float8[]')}) AS x(e, m, c))
    ELSE 0::float8 END`;
}

/**
 * The feature's value for the row; NULL where writeFeatures writes NaN (a missing value). The embedding dimensions need
 * the model's fitted projection (`embedding`); audiences have no such field.
 */
export function featureValueSql(name: FeatureName, ctx: FeatureSqlContext, ps: string, embedding: EmbeddingProjection | null = null): string {
  if (isEmbeddingFeature(name)) {
    if (!embedding) throw new Error('embedding features need the fitted projection');
    return embeddingFeatureSql(name, ctx, embedding);
  }
  switch (name) {
    case 'age':
    case 'cityTier':
      return demographicSql('u', name);
    case 'rfmRecency':
    case 'rfmFrequency':
    case 'rfmMonetary':
      return rfmScoresSql(ps, rfmInputsSql(ctx))[({ rfmRecency: 'r', rfmFrequency: 'f', rfmMonetary: 'm' } as const)[name]];
    default:
      return isTextFeature(name) ? textFeatureSql(name, (f) => profileColumn(ctx.p, f)) : featureSql(name, ctx);
  }
}
