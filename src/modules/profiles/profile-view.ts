// A profile as the API shows it: the stored running totals plus the features derived from them at read time
// (averages, scores, days since the last purchase, activity level, user type, interest tags).
import type { Profile } from './profile-store.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { profileActivity } from './profile-activity.ts';
import { currentInterestTags } from './category-weights.ts';
import { liveEngagementScore, recencyScore } from '../../rules/activity.ts';
import { userTopicShares, type TopicShare } from '../../text/topics.ts';
import { readTopicSums } from './aggregates.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** The numeric features derived from a stored profile: what the API shows and what segmentation trains on, computed one way. */
export interface ProfileFeatures {
  sessionsCount: number;
  avgSessionDuration: number;
  pageViewsPerSession: number;
  totalSpent: number;
  purchaseFrequency: number;
  lastPurchaseDays: number | null;
  avgOrderValue: number;
  engagementScore: number;
  recencyScore: number;
  activityLevel: number;
  userType: number;
  totalSessionDuration: number;
  pageViews: number;
  totalDwellSeconds: number;
  clicks: number;
  cartAdds: number;
  reviews: number;
  eventCount: number;
}

/** A profile as the API shows it: the features, the interest tags and the instants behind them. */
export interface ProfileView extends ProfileFeatures {
  /** not in the API: keys for the Profile field resolvers that need the user */
  userId: string;
  age: number | null;
  interestTags: string[];
  updatedAt: Date;
  firstEventAt: Date | null;
  lastActiveAt: Date | null;
  text: TextProfileView;
}

/** What the user writes, from the text sums (aggregates.ts). */
export interface TextProfileView {
  reviews: number;
  /** mean sentiment; null without reviews */
  sentiment: number | null;
  /** share of negative reviews; null without reviews */
  negativeShare: number | null;
  /** mean topic shares, largest first */
  topics: TopicShare[];
  /** reviews awaiting an embedding from the configured endpoint (the backfill fills them) */
  pendingEmbeddings: number;
  /** reviews summed in the embedding sum, and the space it is in (null before any) */
  embeddedReviews: number;
  embeddingSpace: string | null;
}

export function textProfile(
  row: Pick<Profile, 'textReviews' | 'sentimentSum' | 'negativeReviews' | 'topicSums' | 'pendingEmbeddings' | 'embeddedReviews' | 'embeddingSpace'>,
): TextProfileView {
  const n = row.textReviews;
  return {
    reviews: n,
    sentiment: n > 0 ? row.sentimentSum / n : null,
    negativeShare: n > 0 ? row.negativeReviews / n : null,
    topics: userTopicShares(new Map(Object.entries(readTopicSums(row.topicSums))), n),
    pendingEmbeddings: row.pendingEmbeddings,
    embeddedReviews: row.embeddedReviews,
    embeddingSpace: row.embeddingSpace,
  };
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
const activityHours = (at: Date | null, now: Date) => (at ? (now.getTime() - at.getTime()) / HOUR_MS : null);

/**
 * The user's latest known activity: the later of the last event and the last purchase (for an imported user the
 * warehouse's last purchase is all there is). Recency decays from here the same way for every user.
 */
function lastActivityAt(row: Profile): Date | null {
  const { lastEventAt: e, lastPurchaseAt: p } = row;
  if (e && p) return e > p ? e : p;
  return e ?? p;
}

export function toProfileView(row: Profile, now: Date, config: PortraitConfig, age: number | null = null): ProfileView {
  // The text view (topic shares) is made only when a query asks for it: most reads (user(id) on a page) do not, and
  // it was the costliest part of the view.
  let text: TextProfileView | undefined;
  return {
    userId: row.userId,
    age,
    ...profileFeatures(row, now, config),
    interestTags: currentInterestTags(row, now, config.interestTags),
    updatedAt: row.updatedAt,
    firstEventAt: row.firstEventAt,
    lastActiveAt: row.lastEventAt,
    get text() {
      return (text ??= textProfile(row));
    },
  };
}

export function profileFeatures(row: Profile, now: Date, config: PortraitConfig): ProfileFeatures {
  const avgSessionDuration = ratio(row.totalSessionDuration, row.sessionsCount);
  const pageViewsPerSession = ratio(row.pageViews, row.sessionsCount);
  const lastPurchaseDays = row.lastPurchaseAt ? Math.max(0, (now.getTime() - row.lastPurchaseAt.getTime()) / DAY_MS) : null;
  const activity = profileActivity(row, avgSessionDuration, config);
  return {
    sessionsCount: row.sessionsCount,
    avgSessionDuration,
    pageViewsPerSession,
    totalSpent: row.totalSpent,
    purchaseFrequency: row.purchaseCount,
    lastPurchaseDays,
    avgOrderValue: ratio(row.totalSpent, row.purchaseCount),
    engagementScore: liveEngagementScore(
      { sessions: row.sessionsCount, avgSessionDurationSeconds: avgSessionDuration, pagesPerSession: pageViewsPerSession },
      config.engagement.caps,
    ),
    recencyScore: recencyScore(activityHours(lastActivityAt(row), now), config.recency.liveHalfLifeHours),
    activityLevel: activity.activityLevel,
    userType: activity.userType,
    totalSessionDuration: row.totalSessionDuration,
    pageViews: row.pageViews,
    totalDwellSeconds: row.totalDwellSeconds,
    clicks: row.clicks,
    cartAdds: row.cartAdds,
    reviews: row.reviews,
    eventCount: row.eventCount,
  };
}
