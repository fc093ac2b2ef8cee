// Between a model's stored segments and the namer: the facts it is given, and its answer merged into what is stored.
import type { FeatureStat } from '../model-report.ts';
import type { SegmentDescription } from '../describe-segments.ts';
import type { SegmentFacts, SegmentNaming, SegmentTextSummary } from './namer.ts';

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
