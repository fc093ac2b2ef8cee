// The features a model can be trained on: the numeric Profile fields of the API, the user's demographics, RFM scores
// and what the user writes (TEXT), each in one group (FeatureGroup). One function turns a stored profile into a
// vector, for training, live assignment and prediction alike.
//
// TEXT features are language-independent: the mean sentiment, the share of negative reviews, log(1 + reviews), a
// has-reviews indicator and the mean share of each bilingual aspect topic (src/modules/text/review-text.ts). The
// hashed lexical embedding is language-bound (a Chinese and an English review share no words) and is not a feature.
// A user without reviews is not given a voice: sentiment 0 (neutral), no negative share, no topics, hasReviews 0 —
// the indicator, not an imputed median, tells them apart from users who wrote neutral reviews.
//
// Group weighting (TrainInput.featureGroups): each feature's standardised value is multiplied by 1 / sqrt(m_g), m_g
// the number of selected features of its group that vary in the training data (src/compute/pipeline.ts), so every
// selected group contributes the same total variance (1) whatever its size: four text features are not drowned by
// eighteen behaviour ones. The weights are stored with the model's pipeline, so live assignment and predictSegment
// weight the same way. Without featureGroups every weight is 1, as before.
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { profileFeatures, type ProfileFeatures } from '../profiles/profile-view.ts';
import type { Profile } from '../profiles/profile-store.ts';
import { badInput } from '../../errors.ts';
import { scoreRfm, type RfmCutPoints, type RfmScore } from '../../rules/rfm.ts';
import type { FeatureGroup } from '../../generated/graphql.ts';
import { ASPECT_BY_ID, ASPECT_IDS, type AspectId } from '../../text/aspects.ts';
import { readTopicSums } from '../profiles/aggregates.ts';
import { EMBEDDING_FEATURES, embeddingFeature, isEmbeddingFeature, type EmbeddingFeature, type EmbeddingProjection } from './embedding-features.ts';

type NumericKey = { [K in keyof ProfileFeatures]: ProfileFeatures[K] extends number | null ? K : never }[keyof ProfileFeatures];

const PROFILE_FEATURES = [
  'sessionsCount', 'avgSessionDuration', 'pageViewsPerSession', 'totalSpent', 'purchaseFrequency', 'lastPurchaseDays',
  'avgOrderValue', 'engagementScore', 'recencyScore', 'activityLevel', 'userType', 'totalSessionDuration', 'pageViews',
  'totalDwellSeconds', 'clicks', 'cartAdds', 'reviews', 'eventCount',
] as const satisfies readonly NumericKey[];
const USER_FEATURES = ['age', 'cityTier'] as const;
/** RFM scores 1-5 against the population's quintiles; a model trained on them keeps the cut points it used. */
const RFM_FEATURES = ['rfmRecency', 'rfmFrequency', 'rfmMonetary'] as const;

type TopicFeature = `topic${Capitalize<AspectId>}`;
const topicFeature = (id: AspectId): TopicFeature => `topic${id[0]!.toUpperCase()}${id.slice(1)}` as TopicFeature;
const TOPIC_FEATURES: ReadonlyMap<TopicFeature, AspectId> = new Map(ASPECT_IDS.map((id) => [topicFeature(id), id]));
const TEXT_FEATURES = ['reviewSentiment', 'negativeReviewShare', 'reviewCountLog', 'hasReviews', ...TOPIC_FEATURES.keys()] as const;
type TextFeature = 'reviewSentiment' | 'negativeReviewShare' | 'reviewCountLog' | 'hasReviews' | TopicFeature;

export type FeatureName = (typeof PROFILE_FEATURES)[number] | (typeof USER_FEATURES)[number] | (typeof RFM_FEATURES)[number] | TextFeature | EmbeddingFeature;
export const ALL_FEATURES: readonly FeatureName[] = [...PROFILE_FEATURES, ...USER_FEATURES, ...RFM_FEATURES, ...TEXT_FEATURES, ...EMBEDDING_FEATURES];

/** Every feature of each group; the TEXT group's reduced embedding dimensions join a group selection only on request. */
const GROUP_FEATURES: Record<FeatureGroup, readonly FeatureName[]> = {
  BEHAVIOUR: PROFILE_FEATURES,
  RFM: RFM_FEATURES,
  DEMOGRAPHIC: USER_FEATURES,
  TEXT: [...TEXT_FEATURES, ...EMBEDDING_FEATURES],
};
const GROUP_OF: ReadonlyMap<FeatureName, FeatureGroup> = new Map(
  (Object.entries(GROUP_FEATURES) as [FeatureGroup, readonly FeatureName[]][]).flatMap(([g, fs]) => fs.map((f) => [f, g] as const)),
);

const DESCRIPTIONS: Record<Exclude<FeatureName, TopicFeature | EmbeddingFeature>, string> = {
  sessionsCount: 'Sessions (imported baseline plus tracked sessions)',
  avgSessionDuration: 'Average session length, seconds',
  pageViewsPerSession: 'Page views per session',
  totalSpent: 'Total amount spent',
  purchaseFrequency: 'Number of purchases',
  lastPurchaseDays: 'Days since the last purchase (missing: never purchased)',
  avgOrderValue: 'Total spent over purchases',
  engagementScore: 'Mean of sessions, session length and pages per session, each over its cap (0..1)',
  recencyScore: 'Exponential decay of the hours since the last activity (0..1)',
  activityLevel: 'Activity level 0..3 from daily actions',
  userType: '1 heavy user (sessions and actions above thresholds), else 0',
  totalSessionDuration: 'Total session time, seconds',
  pageViews: 'Page views',
  totalDwellSeconds: 'Total dwell time on pages, seconds',
  clicks: 'Clicks',
  cartAdds: 'Add-to-cart events',
  reviews: 'REVIEW events',
  eventCount: 'Tracked events',
  age: 'Age in years (missing: unknown)',
  cityTier: 'City tier (missing: unknown)',
  rfmRecency: 'RFM recency score 1..5 against the population quintiles',
  rfmFrequency: 'RFM frequency score 1..5 against the population quintiles',
  rfmMonetary: 'RFM monetary score 1..5 against the population quintiles',
  reviewSentiment: 'Mean sentiment of the user\'s reviews, -1..1 (0 without reviews)',
  negativeReviewShare: 'Share of the user\'s reviews with negative sentiment (0 without reviews)',
  reviewCountLog: 'log(1 + reviews with text or a rating)',
  hasReviews: '1 when the user wrote a review with text or a rating, else 0',
};

const describe = (f: FeatureName): string => {
  if (isEmbeddingFeature(f))
    return `Mean review embedding on its principal component ${f.slice(-1)}, fitted at training (0 without an embedded review); in the TEXT group only with a multilingual embeddings endpoint (PORTRAIT_EMBEDDINGS_MULTILINGUAL) or when named`;
  const aspect = TOPIC_FEATURES.get(f as TopicFeature);
  if (aspect === undefined) return DESCRIPTIONS[f as Exclude<FeatureName, TopicFeature | EmbeddingFeature>];
  const { label } = ASPECT_BY_ID.get(aspect)!;
  return `Mean share of the topic ${label.en} (${label.zh}) in the user's reviews (0 without reviews)`;
};

/** Every feature with its group and meaning (Query.featureCatalog). */
export const FEATURE_CATALOG: readonly { name: FeatureName; group: FeatureGroup; description: string }[] = ALL_FEATURES.map((name) => ({
  name,
  group: GROUP_OF.get(name)!,
  description: describe(name),
}));
export const usesRfm = (features: readonly FeatureName[]) => features.some((f) => (RFM_FEATURES as readonly string[]).includes(f));

/** The seed practice's behaviour and value features. */
const DEFAULT_FEATURES: readonly FeatureName[] = [
  'sessionsCount', 'avgSessionDuration', 'pageViewsPerSession', 'totalSpent', 'purchaseFrequency', 'lastPurchaseDays',
  'avgOrderValue', 'engagementScore', 'recencyScore',
];

const known = new Set<string>(ALL_FEATURES);
export const isFeatureName = (name: string): name is FeatureName => known.has(name);

/** Validates a requested feature list (unknown or repeated names are a BAD_USER_INPUT naming them). */
export function resolveFeatures(names: readonly string[] | null | undefined, field = 'input.features'): FeatureName[] {
  if (names == null) return [...DEFAULT_FEATURES];
  return checkNames(names, field);
}

/**
 * The features of a training request: `features` (or, with neither, the default set) together with every feature of
 * `groups`, and each feature's group (null without groups: no group weighting).
 */
export function resolveFeatureSelection(
  names: readonly string[] | null | undefined,
  groups: readonly FeatureGroup[] | null | undefined,
  options: { embeddingsInText?: boolean } = {},
): { features: FeatureName[]; groups: FeatureGroup[] | null } {
  if (groups == null) return { features: resolveFeatures(names), groups: null };
  if (new Set(groups).size !== groups.length) throw badInput('input.featureGroups', 'groups must not repeat');
  const listed = names == null ? [] : checkNames(names, 'input.features', false);
  // Language is not a voice: lexical embedding dimensions split a population by the language it writes in, so a
  // group selection takes them only when the configured embeddings are multilingual (or the request names them).
  const groupFeatures = (g: FeatureGroup) => GROUP_FEATURES[g].filter((f) => options.embeddingsInText || !isEmbeddingFeature(f));
  const features = [...new Set<FeatureName>([...listed, ...groups.flatMap(groupFeatures)])];
  if (features.length === 0) throw badInput('input.featureGroups', 'at least one feature is needed');
  return { features, groups: features.map((f) => GROUP_OF.get(f)!) };
}

function checkNames(names: readonly string[], field: string, nonEmpty = true): FeatureName[] {
  const unknown = names.filter((n) => !isFeatureName(n));
  if (unknown.length) throw badInput(field, `unknown feature(s) ${unknown.join(', ')}; known: ${ALL_FEATURES.join(', ')}`);
  if (new Set(names).size !== names.length) throw badInput(field, 'features must not repeat');
  if (nonEmpty && names.length === 0) throw badInput(field, 'at least one feature is needed');
  return names as FeatureName[];
}

/** A TEXT feature of a profile, from its text sums (aggregates.ts); a user without reviews gets 0 for each. */
function textFeature(p: Profile, f: TextFeature): number {
  const n = p.textReviews;
  if (n === 0) return 0;
  switch (f) {
    case 'reviewSentiment':
      return p.sentimentSum / n;
    case 'negativeReviewShare':
      return p.negativeReviews / n;
    case 'reviewCountLog':
      return Math.log1p(n);
    case 'hasReviews':
      return 1;
    default:
      return (readTopicSums(p.topicSums)[TOPIC_FEATURES.get(f)!] ?? 0) / n;
  }
}
/** A TEXT feature computed from the profile's text sums alone (the embedding dimensions also need a projection). */
export const isTextFeature = (f: FeatureName): f is TextFeature => GROUP_OF.get(f) === 'TEXT' && !isEmbeddingFeature(f);
export { isEmbeddingFeature };

/**
 * textFeature as SQL over a profile row (`column` names a profile column), for audiences: the same definitions side by
 * side, so a rule over a TEXT feature holds for the users whose API value satisfies it.
 */
export function textFeatureSql(f: TextFeature, column: (field: 'textReviews' | 'sentimentSum' | 'negativeReviews' | 'topicSums') => string): string {
  const n = column('textReviews');
  const perReview = (sum: string) => `(CASE WHEN ${n} = 0 THEN 0::float8 ELSE (${sum})::float8 / ${n} END)`;
  switch (f) {
    case 'reviewSentiment':
      return perReview(column('sentimentSum'));
    case 'negativeReviewShare':
      return perReview(column('negativeReviews'));
    case 'reviewCountLog':
      return `ln(1 + ${n}::float8)`;
    case 'hasReviews':
      return `(CASE WHEN ${n} = 0 THEN 0::float8 ELSE 1::float8 END)`;
    default:
      return perReview(`COALESCE((${column('topicSums')} ->> '${TOPIC_FEATURES.get(f)!}')::float8, 0)`);
  }
}
/** Whether a model's features include a TEXT one. */
export const usesText = (features: readonly string[]): boolean => features.some((f) => isFeatureName(f) && GROUP_OF.get(f) === 'TEXT');
export const usesEmbedding = (features: readonly string[]): boolean => features.some(isEmbeddingFeature);

interface FeatureSource {
  profile: Profile;
  age: number | null;
  cityTier: number | null;
}

/**
 * Writes the user's features into out[offset..]; a missing value (never purchased, unknown age) is NaN.
 * RFM features need the population's cut points (`rfmCuts`), the embedding dimensions the model's projection.
 */
export function writeFeatures(
  src: FeatureSource,
  features: readonly FeatureName[],
  now: Date,
  config: PortraitConfig,
  out: Float64Array,
  offset = 0,
  rfmCuts: RfmCutPoints | null = null,
  embedding: EmbeddingProjection | null = null,
): void {
  const p = profileFeatures(src.profile, now, config);
  let rfm: RfmScore | undefined;
  const score = () => {
    if (!rfmCuts) throw new Error('RFM features need the population cut points');
    return (rfm ??= scoreRfm({ recencyDays: p.lastPurchaseDays, frequency: p.purchaseFrequency, monetary: p.totalSpent }, rfmCuts));
  };
  features.forEach((f, j) => {
    let v: number | null;
    switch (f) {
      case 'age':
        v = src.age;
        break;
      case 'cityTier':
        v = src.cityTier;
        break;
      case 'rfmRecency':
        v = score().r;
        break;
      case 'rfmFrequency':
        v = score().f;
        break;
      case 'rfmMonetary':
        v = score().m;
        break;
      default:
        if (isEmbeddingFeature(f)) {
          if (!embedding) throw new Error('embedding features need the fitted projection');
          v = embeddingFeature(src.profile, f, embedding);
        } else v = isTextFeature(f) ? textFeature(src.profile, f) : p[f];
    }
    out[offset + j] = v ?? Number.NaN;
  });
}
