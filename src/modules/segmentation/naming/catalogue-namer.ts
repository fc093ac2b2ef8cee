// The default namer: the portrait rules and their EN/ZH catalogues (src/rules). Names from the labels (unique within
// the model), a description of a few sentences, the strategy; what the reviews say ("unhappy with delivery" /
// "对物流不满") joins all three when the segment has a clear voice.
import { describeSegment } from '../../../rules/description.ts';
import { LOCALES, nameSegments, type Locale } from '../../../rules/naming.ts';
import { strategyFor, type Strategy } from '../../../rules/strategy.ts';
import { voiceOf } from '../../../rules/voice.ts';
import { CATALOGUE_NAMER, type NamingResult, type SegmentFacts, type SegmentNamer, type SegmentNaming } from './namer.ts';

const perLocale = <T>(f: (locale: Locale) => T): Record<Locale, T> =>
  Object.fromEntries(LOCALES.map((l) => [l, f(l)])) as Record<Locale, T>;

/** Only finite ratios make a concrete insight ("Spend 2.4× the average user"). */
function finiteRatios(relative: SegmentFacts['relativeProfile']): Partial<Record<string, number>> {
  return Object.fromEntries(Object.entries(relative).flatMap(([m, v]) => (typeof v === 'number' && Number.isFinite(v) ? [[m, v]] : [])));
}

export function catalogueNaming(segments: readonly SegmentFacts[]): SegmentNaming[] {
  const voices = segments.map((s) => voiceOf(s.text));
  const names = nameSegments(segments.map((s) => s.labels), voices);
  return segments.map((s, i) => {
    const voice = voices[i]!;
    const strategy = perLocale<Strategy>((locale) => strategyFor(s.labels, locale, { relative: finiteRatios(s.relativeProfile), voice }));
    const description = perLocale((locale) =>
      describeSegment({ size: s.size, share: s.share, labels: s.labels, relative: s.relativeProfile, text: s.text ?? null, voice }, locale),
    );
    return { index: s.index, name: names[i]!, description, strategy };
  });
}

export const catalogueNamer: SegmentNamer = {
  name: (segments): Promise<NamingResult> =>
    Promise.resolve({ namedBy: CATALOGUE_NAMER, fallbackReason: null, segments: catalogueNaming(segments) }),
};
