// The quality report's arithmetic that is not SQL (pure): shares, completeness rows, the sampled distributions of
// read-time features (activity level, user type, interest tags) and the drift of the active model's segments.
import { COMPLETENESS_FEATURES, type CompletenessFeature, type SampledProfile } from '../profiles/profile-statistics.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { profileFeatures } from '../profiles/profile-view.ts';
import { emptyProfile } from '../profiles/profile-store.ts';
import { currentInterestTags } from '../profiles/category-weights.ts';

/** part / whole, 0 when there is no whole. */
export const shareOf = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

export interface DistributionStats {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  max: number | null;
}

/** SQL's aggregates of an empty set are NULL; a count of 0 makes every statistic null, whatever the driver returned. */
export function distributionStats(raw: { count: number; mean: number | null; p50: number | null; p90: number | null; max: number | null }): DistributionStats {
  if (raw.count === 0) return { count: 0, mean: null, p50: null, p90: null, max: null };
  return { count: raw.count, mean: raw.mean, p50: raw.p50, p90: raw.p90, max: raw.max };
}

export interface FeatureCompleteness {
  feature: CompletenessFeature;
  users: number;
  share: number;
}

/** One row per feature: users with a non-default value, over all users. */
export function completeness(counts: Readonly<Record<CompletenessFeature, number>>, users: number): FeatureCompleteness[] {
  return COMPLETENESS_FEATURES.map((feature) => ({ feature, users: counts[feature], share: shareOf(counts[feature], users) }));
}

interface LevelShare {
  value: number;
  users: number;
  share: number;
}

interface TagShare {
  tag: string;
  users: number;
  share: number;
}

export interface SampleSummary {
  sampleSize: number;
  activityLevels: LevelShare[];
  userTypes: LevelShare[];
  withInterestTags: number;
  interestTags: TagShare[];
}

const ACTIVITY_LEVELS = [0, 1, 2, 3] as const;
const USER_TYPES = [0, 1] as const;

function levelShares(values: readonly number[], counts: ReadonlyMap<number, number>, n: number): LevelShare[] {
  return values.map((value) => {
    const users = counts.get(value) ?? 0;
    return { value, users, share: shareOf(users, n) };
  });
}

const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Activity levels, user types and interest tags of the sampled profiles, derived exactly as the API derives them for
 * one profile (profileFeatures and currentInterestTags at `now`). Tags are ranked by users, then by name.
 */
export function summariseSample(rows: readonly SampledProfile[], now: Date, config: PortraitConfig, topTags: number): SampleSummary {
  const levels = new Map<number, number>();
  const types = new Map<number, number>();
  const tags = new Map<string, number>();
  let withTags = 0;
  for (const row of rows) {
    // The columns the sample does not read keep the defaults of an empty profile; activity and type never read them.
    const profile = { ...emptyProfile(row.userId, now), ...row };
    const view = profileFeatures(profile, now, config);
    bump(levels, view.activityLevel);
    bump(types, view.userType);
    const userTags = currentInterestTags(profile, now, config.interestTags);
    if (userTags.length > 0) withTags++;
    for (const tag of new Set(userTags)) bump(tags, tag);
  }
  const n = rows.length;
  return {
    sampleSize: n,
    activityLevels: levelShares(ACTIVITY_LEVELS, levels, n),
    userTypes: levelShares(USER_TYPES, types, n),
    withInterestTags: shareOf(withTags, n),
    interestTags: [...tags]
      .sort(([a, ua], [b, ub]) => ub - ua || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, topTags)
      .map(([tag, users]) => ({ tag, users, share: shareOf(users, n) })),
  };
}

/** Shares are ratios of counts: a delta equal to the threshold must not flip on rounding noise (0.55 - 0.5 > 0.05). */
const DRIFT_EPSILON = 1e-9;

interface SegmentDrift<S> {
  segment: S;
  trainingShare: number;
  liveUsers: number;
  liveShare: number;
  delta: number;
  drifted: boolean;
}

export interface DriftSummary<S> {
  threshold: number;
  profiledUsers: number;
  segments: SegmentDrift<S>[];
  unassignedUsers: number;
  unassignedShare: number;
  drifted: boolean;
}

/**
 * Each segment's live share (users assigned now over profiled users now) against its share at training, in share
 * units; a segment drifts when |live - training| > threshold (beyond rounding noise). Users in none of the segments count as unassigned.
 */
export function segmentDrift<S extends { id: string; index: number; share: number }>(
  segments: readonly S[],
  liveUsers: ReadonlyMap<string, number>,
  profiledUsers: number,
  threshold: number,
): DriftSummary<S> {
  const rows = [...segments]
    .sort((a, b) => a.index - b.index)
    .map((segment) => {
      const users = liveUsers.get(segment.id) ?? 0;
      const liveShare = shareOf(users, profiledUsers);
      const delta = liveShare - segment.share;
      return { segment, trainingShare: segment.share, liveUsers: users, liveShare, delta, drifted: Math.abs(delta) > threshold + DRIFT_EPSILON };
    });
  const assigned = rows.reduce((s, r) => s + r.liveUsers, 0);
  const unassignedUsers = Math.max(0, profiledUsers - assigned);
  return {
    threshold,
    profiledUsers,
    segments: rows,
    unassignedUsers,
    unassignedShare: shareOf(unassignedUsers, profiledUsers),
    drifted: rows.some((r) => r.drifted),
  };
}
