// Between a model's stored segments and the namer: the facts it is given, and its answer merged into what is stored.
import type { FeatureStat } from '../model-report.ts';
import type { SegmentDescription } from '../describe-segments.ts';
import type { SegmentFacts, SegmentNaming, SegmentTextSummary } from './namer.ts';
import type { Sql } from '../../../db/sql.ts';
import { textSums, type SegmentTextSums } from '../../profiles/profile-store.ts';
import { trainingMembersOfModelSql } from '../training-members.ts';
import { topicById } from '../../text/review-text.ts';
import { userTopicShares } from '../../../text/topics.ts';

/** What a group's users write, as the namer is given it (null when they wrote nothing). */
function textSummary(s: SegmentTextSums | undefined): SegmentTextSummary | null {
  if (!s || s.reviews === 0) return null;
  return {
    reviews: s.reviews,
    sentiment: s.sentimentSum / s.reviews,
    negativeShare: s.negativeReviews / s.reviews,
    topics: userTopicShares(new Map(Object.entries(s.topicSums)), s.reviews).map((t) => {
      const topic = topicById(t.topicId);
      return { label: { EN: topic.label.en, ZH: topic.label.zh }, share: t.share };
    }),
    examples: s.examples,
  };
}

/** The text summary of each group of a training before its model is written: user i is in group labels[i]. */
export async function trainingTextSummaries(sql: Sql, userIds: readonly string[], labels: ArrayLike<number>): Promise<Map<number, SegmentTextSummary | null>> {
  const sums = await textSums(sql, {
    sql: 'SELECT m.g::text AS key, m.user_id FROM unnest($1::text[], $2::int[]) AS m(user_id, g) WHERE m.g >= 0',
    params: [userIds, Array.from(labels)],
  });
  const out = new Map<number, SegmentTextSummary | null>();
  for (const [key, s] of sums) out.set(Number(key), textSummary(s));
  return out;
}

/** The text summary of each segment of a stored model, over the users it was trained on (training-members.ts). */
export async function modelTextSummaries(sql: Sql, modelId: string, segmentIds: readonly string[]): Promise<Map<string, SegmentTextSummary | null>> {
  const sums = await textSums(sql, { sql: `SELECT segment_id::text AS key, user_id FROM (${trainingMembersOfModelSql(1)}) m`, params: [modelId] });
  return new Map(segmentIds.map((id) => [id, textSummary(sums.get(id))]));
}

interface SegmentRowFacts {
  index: number;
  size: number;
  share: number;
  stats: readonly FeatureStat[];
  description: SegmentDescription;
  text?: SegmentTextSummary | null;
}

export function segmentFacts(s: SegmentRowFacts): SegmentFacts {
  return {
    index: s.index,
    size: s.size,
    share: s.share,
    labels: s.description.labels,
    relativeProfile: s.description.relativeProfile,
    stats: s.stats,
    text: s.text ?? null,
  };
}

/** The stored description with the namer's name, description and strategy. */
export function withNaming(d: SegmentDescription, n: SegmentNaming): SegmentDescription {
  return { ...d, name: { ...n.name }, description: { ...n.description }, strategy: { EN: n.strategy.EN, ZH: n.strategy.ZH } };
}
