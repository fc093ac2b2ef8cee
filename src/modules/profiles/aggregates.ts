// The running aggregates of a profile and how events change them. Pure: the ingest service locks the profile row,
// applies a user's new events here, and writes the result back in the same transaction.
import type { EventType } from '../../generated/prisma/enums.ts';
import type { Profile } from './profile-store.ts';
import { addMoney } from '../../rules/money.ts';

/** An event starts a new session when it is SESSION_START or comes more than this long after the user's previous event. */
export const SESSION_GAP_MS = 60 * 60 * 1000;

/** The profile columns that events change (the running totals). */
export const AGGREGATE_FIELDS = [
  'sessionsCount', 'totalSessionDuration', 'pageViews', 'totalDwellSeconds', 'clicks', 'cartAdds', 'reviews',
  'purchaseCount', 'totalSpent', 'eventCount', 'lastPurchaseAt', 'firstEventAt', 'lastEventAt',
] as const satisfies readonly (keyof Profile)[];
/** The profile columns that scored reviews change (only a batch with one needs to write them: the embedding sum is wide). */
export const TEXT_AGGREGATE_FIELDS = [
  'textReviews', 'sentimentSum', 'negativeReviews', 'topicSums', 'embeddingSum', 'embeddingSpace', 'embeddedReviews',
  'pendingEmbeddings', 'lastReviewAt',
] as const satisfies readonly (keyof Profile)[];

/**
 * What the text sums take from a scored review (the text module's ReviewText has this shape; declared here so the
 * profiles module does not depend on the text module, which writes profiles through the profile store).
 */
export interface ScoredReview {
  sentiment: number;
  topics: Record<string, number>;
  embeddingStatus: 'DONE' | 'PENDING' | null;
  embedding: number[] | null;
  embeddingSpace: string | null;
}

type Aggregates = Pick<Profile, (typeof AGGREGATE_FIELDS)[number] | (typeof TEXT_AGGREGATE_FIELDS)[number]>;

interface AggregateEvent {
  type: EventType;
  occurredAt: Date;
  amount: number | null;
  durationSeconds: number | null;
  /** a REVIEW's analysis (null: not a review, or one with neither text nor rating) */
  review: ScoredReview | null;
}

/** The stored topic sums { topicId: sum of shares }; anything that is not a finite number is dropped. */
export function readTopicSums(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (value && typeof value === 'object' && !Array.isArray(value))
    for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

/** Adds one review's analysis to the text sums (sums, so the order reviews arrive in does not matter). */
function addReview<A extends Aggregates>(next: A, review: ScoredReview, at: Date): void {
  next.textReviews += 1;
  next.sentimentSum += review.sentiment;
  if (review.sentiment < 0) next.negativeReviews += 1;
  const topics = readTopicSums(next.topicSums);
  for (const [id, share] of Object.entries(review.topics)) topics[id] = (topics[id] ?? 0) + share;
  next.topicSums = topics;
  if (review.embeddingStatus === 'PENDING') next.pendingEmbeddings += 1;
  else if (review.embedding && review.embeddingSpace) addEmbeddings(next, review.embeddingSpace, [review.embedding]);
  next.lastReviewAt = later(next.lastReviewAt, at);
}

type EmbeddingSum = Pick<Profile, 'embeddingSum' | 'embeddingSpace' | 'embeddedReviews'>;

/**
 * Adds vectors of one space to a profile's embedding sum. A sum holds one space: a sum of another space (the operator
 * changed the model; the backfill re-embeds the older reviews, embedding-backfill.ts) starts again from zeros.
 * Returns whether it started again.
 */
export function addEmbeddings(next: EmbeddingSum, space: string, vectors: readonly (readonly number[])[]): boolean {
  const restart = next.embeddingSpace !== space;
  const dim = vectors[0]?.length ?? 0;
  const sum = restart || next.embeddingSum.length !== dim ? new Array<number>(dim).fill(0) : [...next.embeddingSum];
  for (const v of vectors) v.forEach((x, i) => (sum[i]! += x));
  next.embeddingSum = sum;
  next.embeddingSpace = space;
  next.embeddedReviews = (restart ? 0 : next.embeddedReviews) + vectors.length;
  return restart;
}

function startsSession(previousAt: Date | null, e: AggregateEvent): boolean {
  return e.type === 'SESSION_START' || previousAt === null || e.occurredAt.getTime() - previousAt.getTime() > SESSION_GAP_MS;
}

const later = (a: Date | null, b: Date) => (a === null || b > a ? b : a);
const earlier = (a: Date | null, b: Date) => (a === null || b < a ? b : a);

/**
 * Applies one user's new events (sorted by occurredAt) to its aggregates.
 * `recount` is true when the session totals must be recounted from the event log (profile-store recountSessions):
 * - some event is older than the latest one already counted (late): every other total here is still exact (sums and
 *   extremes do not depend on order), but the sessions' boundaries may move;
 * - a SESSION_END comes without durationSeconds: its session lasted from the session's first event to the END, and
 *   that first event may be in an earlier batch (or arrive later), so the log decides. It adds nothing here.
 */
export function applyEvents<A extends Aggregates>(current: A, events: readonly AggregateEvent[]): { next: A; recount: boolean } {
  const next = { ...current };
  const late = current.lastEventAt !== null && events.length > 0 && events[0]!.occurredAt < current.lastEventAt;
  let derivedDuration = false;
  let previousAt = current.lastEventAt;
  for (const e of events) {
    if (startsSession(previousAt, e)) next.sessionsCount += 1;
    previousAt = later(previousAt, e.occurredAt);
    next.eventCount += 1;
    next.firstEventAt = earlier(next.firstEventAt, e.occurredAt);
    next.lastEventAt = later(next.lastEventAt, e.occurredAt);
    switch (e.type) {
      case 'SESSION_END':
        if (e.durationSeconds === null) derivedDuration = true;
        else next.totalSessionDuration += e.durationSeconds;
        break;
      case 'PAGE_VIEW':
        next.pageViews += 1;
        next.totalDwellSeconds += e.durationSeconds ?? 0;
        break;
      case 'CLICK':
        next.clicks += 1;
        break;
      case 'ADD_TO_CART':
        next.cartAdds += 1;
        break;
      case 'PURCHASE':
        next.purchaseCount += 1;
        next.totalSpent = addMoney(next.totalSpent, e.amount ?? 0);
        next.lastPurchaseAt = later(next.lastPurchaseAt, e.occurredAt);
        break;
      case 'REVIEW':
        next.reviews += 1;
        if (e.review) addReview(next, e.review, e.occurredAt);
        break;
      case 'SESSION_START':
        break;
    }
  }
  return { next, recount: late || derivedDuration };
}
