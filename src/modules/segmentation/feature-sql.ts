// Every training feature as SQL over a user's rows (`profiles` as ctx.p, `users` as `u`, population statistics as a
// row aliased `ps` with an `id` and an `rfm_cuts` column), mirroring writeFeatures (features.ts) definition for
// definition: the profile features of profile-features-sql.ts, the text features of textFeatureSql, the RFM scores of
// population-stats-sql.ts. Audiences select users with it, and training reads its matrix with it (load-features.ts),
// so both see the numbers the API shows.
import { demographicSql, featureSql, type FeatureSqlContext } from '../profiles/profile-features-sql.ts';
import { profileColumn } from '../profiles/profile-store.ts';
import { rfmScoresSql, type RfmInputsSql } from '../population/population-stats-sql.ts';
import { isTextFeature, textFeatureSql, type FeatureName } from './features.ts';

/** The inputs of the RFM scores: days since the last order, orders, spend. */
export const rfmInputsSql = (ctx: FeatureSqlContext): RfmInputsSql => ({
  recencyDays: featureSql('lastPurchaseDays', ctx),
  frequency: featureSql('purchaseFrequency', ctx),
  monetary: featureSql('totalSpent', ctx),
});

/** The feature's value for the row; NULL where writeFeatures writes NaN (a missing value). */
export function featureValueSql(name: FeatureName, ctx: FeatureSqlContext, ps: string): string {
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
