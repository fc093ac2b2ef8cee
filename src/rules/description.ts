// Segment.description from the catalogue: a few sentences on who the users are (size, spend and engagement against
// the average, how alive the relationship is, the audience) and, when they wrote reviews, what they say.
import type { KeyMetric, SegmentLabels } from './labels.ts';
import { activityState, catalogue, fill, type Locale } from './naming.ts';
import { lowerFirst, type TextSignals, type Voice } from './voice.ts';

export interface DescriptionFacts {
  readonly size: number;
  /** size / users trained on, 0..1 */
  readonly share: number;
  readonly labels: SegmentLabels;
  /** segment mean / population mean per key metric (null or absent where undefined) */
  readonly relative: Readonly<Partial<Record<KeyMetric, number | null>>>;
  readonly text?: TextSignals | null;
  readonly voice?: Voice | null;
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function describeSegment(f: DescriptionFacts, locale: Locale): string {
  const c = catalogue(locale);
  const d = c.description;
  const sentences = [fill(d.size, { size: f.size, share: (f.share * 100).toFixed(1) })];
  const spend = f.relative.totalSpent;
  const engagement = f.relative.engagementScore;
  if (finite(spend) && finite(engagement)) sentences.push(fill(d.ratios, { spend: spend.toFixed(1), engagement: engagement.toFixed(1) }));
  sentences.push(d.state[activityState(f.labels)]);
  const audience = [
    f.labels.ageGroup ? c.ageGroup[f.labels.ageGroup] : null,
    f.labels.genderMix !== 'UNKNOWN' ? c.genderMix[f.labels.genderMix] : null,
    f.labels.cityTierMix !== 'UNKNOWN' ? c.cityTierMix[f.labels.cityTierMix] : null,
  ].filter((t): t is string => t !== null);
  if (audience.length) sentences.push(fill(d.demographics, { traits: audience.join(d.separator) }));
  const text = f.text;
  if (text && text.reviews > 0 && text.sentiment !== null) {
    sentences.push(fill(d.reviews, { reviews: text.reviews, sentiment: text.sentiment.toFixed(2) }));
    const top = [...text.topics].sort((a, b) => b.share - a.share)[0];
    if (top) {
      const topic = locale === 'EN' ? lowerFirst(top.label.EN) : top.label[locale];
      sentences.push(fill(d.topic, { topic, share: Math.round(top.share * 100) }));
    }
  }
  if (f.voice) sentences.push(fill(d.voice[f.voice.polarity], { topic: f.voice.topic[locale] }));
  return sentences.join(locale === 'EN' ? ' ' : '');
}
