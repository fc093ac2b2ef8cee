// Segment names from labels, in every locale, unique within a model. Also the locale -> catalogue lookup and the
// placeholder filler the other text-producing modules share.
import { en, type Catalogue, type Locale } from './catalogue/en.ts';
import { zh } from './catalogue/zh.ts';
import { isActivityHigh, type SegmentLabels, type TierLabels } from './labels.ts';
import type { RfmSegment } from './rfm.ts';
import type { Voice } from './voice.ts';

export type { Catalogue, Locale };
export const LOCALES: readonly Locale[] = ['EN', 'ZH'];

const CATALOGUES: Readonly<Record<Locale, Catalogue>> = { EN: en, ZH: zh };

export function catalogue(locale: Locale): Catalogue {
  return CATALOGUES[locale];
}

/** Replaces each {key} in a template; a placeholder without a value is a bug in the caller, so it throws. */
export function fill(template: string, params: Readonly<Record<string, string | number>>): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const v = params[key];
    if (v === undefined) throw new Error(`fill: no value for {${key}} in "${template}"`);
    return String(v);
  });
}

/** The middle word of a name: how alive the relationship is. */
export type ActivityState = 'ACTIVE' | 'STEADY' | 'PASSIVE' | 'DORMANT';

/**
 * Dormant wins (low recency says the most about what to do), then the quadrant's high activity, then low engagement
 * (PASSIVE), else STEADY.
 */
export function activityState(l: TierLabels): ActivityState {
  if (l.recency === 'LOW') return 'DORMANT';
  if (isActivityHigh(l)) return 'ACTIVE';
  if (l.engagement === 'LOW') return 'PASSIVE';
  return 'STEADY';
}

/** The name before de-duplication, e.g. "High-value active loyalists" / "高价值活跃忠诚用户". */
export function baseName(l: TierLabels, locale: Locale): string {
  const c = catalogue(locale).name;
  return fill(c.pattern, { value: c.value[l.value], state: c.state[activityState(l)], persona: c.persona[l.frequency] });
}

export type SegmentName = Readonly<Record<Locale, string>>;

/** Traits that may tell same-named segments apart, in the order they are tried. */
type Distinguisher = (l: SegmentLabels) => ((locale: Locale) => string) | null;
const DISTINGUISHERS: readonly Distinguisher[] = [
  (l) => (locale) => catalogue(locale).name.engagement[l.engagement],
  (l) => (locale) => catalogue(locale).name.recency[l.recency],
  ({ ageGroup: g }) => (g === null ? null : (locale) => catalogue(locale).ageGroup[g]),
  (l) => (l.genderMix === 'UNKNOWN' ? null : (locale) => catalogue(locale).genderMix[l.genderMix]),
  (l) => (l.cityTierMix === 'UNKNOWN' ? null : (locale) => catalogue(locale).cityTierMix[l.cityTierMix]),
];

/** The localised voice phrase, e.g. "unhappy with delivery" / "对物流不满". */
export function voicePhrase(voice: Voice, locale: Locale): string {
  return fill(catalogue(locale).name.voice[voice.polarity], { topic: voice.topic[locale] });
}

/**
 * Names for all segments of one model, in input (segment index) order, unique per locale. Segments whose base names
 * agree after the value word (same activity state and persona: "Mid-value dormant regulars" and "Low-value dormant
 * regulars" say nearly the same thing) get the first trait (engagement, recency, age group, gender mix, city tiers)
 * on which all of them differ, e.g. "Mid-value steady regulars (young)"; if no trait separates them, identical base
 * names are numbered " (2)", " (3)", ... in index order. A segment whose reviews have a voice (voice.ts) carries it
 * after the name, e.g. "High-value active loyalists, unhappy with delivery". Deterministic: the same labels always
 * give the same names.
 */
export function nameSegments(labels: readonly SegmentLabels[], voices: readonly (Voice | null)[] = []): SegmentName[] {
  // a voice tells segments apart as well as a trait does: only segments that agree after the value word and share a
  // voice are a group
  const afterValue = (l: SegmentLabels, i: number) => {
    const v = voices[i];
    return `${activityState(l)}|${l.frequency}|${v ? `${v.polarity}:${v.topic.EN}` : ''}`;
  };
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => groups.set(afterValue(l, i), [...(groups.get(afterValue(l, i)) ?? []), i]));

  const names: Record<Locale, string>[] = labels.map((l) => ({ EN: baseName(l, 'EN'), ZH: baseName(l, 'ZH') }));
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const qualifiers = pickDistinguisher(members.map((i) => labels[i] as SegmentLabels));
    const seen = new Map<string, number>();
    members.forEach((i, rank) => {
      const base = names[i]!.EN;
      const repeat = seen.get(base) ?? 0;
      seen.set(base, repeat + 1);
      for (const locale of LOCALES) {
        const c = catalogue(locale).name;
        if (qualifiers) names[i]![locale] = fill(c.qualified, { name: names[i]![locale], trait: qualifiers[rank]!(locale) });
        else if (repeat > 0) names[i]![locale] = fill(c.numbered, { name: names[i]![locale], n: repeat + 1 });
      }
    });
  }
  voices.forEach((voice, i) => {
    if (!voice || !names[i]) return;
    for (const locale of LOCALES) {
      names[i]![locale] = fill(catalogue(locale).name.withVoice, { name: names[i]![locale], voice: voicePhrase(voice, locale) });
    }
  });
  return ensureUnique(names);
}

function pickDistinguisher(group: readonly SegmentLabels[]): ((locale: Locale) => string)[] | null {
  for (const d of DISTINGUISHERS) {
    const texts = group.map(d);
    if (texts.some((t) => t === null)) continue;
    const ts = texts as ((locale: Locale) => string)[];
    if (new Set(ts.map((t) => t('EN'))).size === group.length) return ts;
  }
  return null;
}

/** A last guard (a qualified name could in principle equal another); numbers any repeat, per locale. */
function ensureUnique(names: Record<Locale, string>[]): SegmentName[] {
  for (const locale of LOCALES) {
    const seen = new Set<string>();
    for (const n of names) {
      let candidate = n[locale];
      for (let k = 2; seen.has(candidate); k++) candidate = fill(catalogue(locale).name.numbered, { name: n[locale], n: k });
      n[locale] = candidate;
      seen.add(candidate);
    }
  }
  return names;
}

/** The localised name of a classic RFM segment. */
export function rfmSegmentName(segment: RfmSegment, locale: Locale): string {
  return catalogue(locale).rfm[segment];
}
