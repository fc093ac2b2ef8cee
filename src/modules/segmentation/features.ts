// The features a model can be trained on: the numeric Profile fields of the API plus the user's demographics.
// One function turns a stored profile into a vector, for training, live assignment and prediction alike.
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { profileFeatures, type ProfileFeatures } from '../profiles/profile-view.ts';
import type { Profile } from '../profiles/profile-store.ts';
import { badInput } from '../../errors.ts';
import { scoreRfm, type RfmCutPoints, type RfmScore } from '../../rules/rfm.ts';

type NumericKey = { [K in keyof ProfileFeatures]: ProfileFeatures[K] extends number | null ? K : never }[keyof ProfileFeatures];

const PROFILE_FEATURES = [
  'sessionsCount', 'avgSessionDuration', 'pageViewsPerSession', 'totalSpent', 'purchaseFrequency', 'lastPurchaseDays',
  'avgOrderValue', 'engagementScore', 'recencyScore', 'activityLevel', 'userType', 'totalSessionDuration', 'pageViews',
  'totalDwellSeconds', 'clicks', 'cartAdds', 'reviews', 'eventCount',
] as const satisfies readonly NumericKey[];
const USER_FEATURES = ['age', 'cityTier'] as const;
/** RFM scores 1-5 against the population's quintiles; a model trained on them keeps the cut points it used. */
const RFM_FEATURES = ['rfmRecency', 'rfmFrequency', 'rfmMonetary'] as const;

export type FeatureName = (typeof PROFILE_FEATURES)[number] | (typeof USER_FEATURES)[number] | (typeof RFM_FEATURES)[number];
export const ALL_FEATURES: readonly FeatureName[] = [...PROFILE_FEATURES, ...USER_FEATURES, ...RFM_FEATURES];
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
  const unknown = names.filter((n) => !isFeatureName(n));
  if (unknown.length) throw badInput(field, `unknown feature(s) ${unknown.join(', ')}; known: ${ALL_FEATURES.join(', ')}`);
  if (new Set(names).size !== names.length) throw badInput(field, 'features must not repeat');
  if (names.length === 0) throw badInput(field, 'at least one feature is needed');
  return names as FeatureName[];
}

interface FeatureSource {
  profile: Profile;
  age: number | null;
  cityTier: number | null;
}

/**
 * Writes the user's features into out[offset..]; a missing value (never purchased, unknown age) is NaN.
 * RFM features need the population's cut points (`rfmCuts`).
 */
export function writeFeatures(
  src: FeatureSource,
  features: readonly FeatureName[],
  now: Date,
  config: PortraitConfig,
  out: Float64Array,
  offset = 0,
  rfmCuts: RfmCutPoints | null = null,
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
        v = p[f];
    }
    out[offset + j] = v ?? Number.NaN;
  });
}
