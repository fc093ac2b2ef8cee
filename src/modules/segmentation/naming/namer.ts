// The namer port: what names, describes and gives a strategy to the segments of a model, in English and Chinese.
// Two implementations: the catalogue (catalogue-namer.ts, the default: rules and fixed texts, offline, deterministic)
// and an OpenAI-compatible language model (chat-namer.ts), which falls back to the catalogue on any failure.
import type { Locale } from '../../../rules/naming.ts';
import type { KeyMetric, SegmentLabels } from '../../../rules/labels.ts';
import type { Strategy } from '../../../rules/strategy.ts';
import type { FeatureStat } from '../model-report.ts';

type Localised<T> = Readonly<Record<Locale, T>>;

/**
 * What the segment's users wrote, as aggregates: filled when the model's users have reviews (the text features'
 * work); absent or null otherwise. `examples` are verbatim reviews: they reach a language model's prompt only when
 * PORTRAIT_NAMER_EXAMPLES=on.
 */
export interface SegmentTextSummary {
  /** reviews written by the segment's users */
  readonly reviews: number;
  /** mean review sentiment, -1..1; null without reviews */
  readonly sentiment: number | null;
  /** share of the reviews that are negative, 0..1; null without reviews */
  readonly negativeShare: number | null;
  /** what the reviews are about, largest share first; a topic's own mean sentiment when known */
  readonly topics: readonly { readonly label: Localised<string>; readonly share: number; readonly sentiment?: number | null }[];
  /** a few representative reviews */
  readonly examples: readonly string[];
}

/** One segment as the namer sees it: aggregate statistics only. */
export interface SegmentFacts {
  readonly index: number;
  readonly size: number;
  /** size / users trained on, 0..1 */
  readonly share: number;
  readonly labels: SegmentLabels;
  /** segment mean / population mean per key metric (null where undefined) */
  readonly relativeProfile: Readonly<Partial<Record<KeyMetric, number | null>>>;
  /** per training feature: the segment's mean against the population's (RFM scores among them when trained on) */
  readonly stats: readonly FeatureStat[];
  readonly text?: SegmentTextSummary | null;
}

export interface SegmentNaming {
  readonly index: number;
  /** short, unique within the model per locale */
  readonly name: Localised<string>;
  /** a few sentences on who these users are and what they say */
  readonly description: Localised<string>;
  readonly strategy: Localised<Strategy>;
}

export interface NamingResult {
  /** "catalogue", or the model name of the language model that wrote the texts */
  readonly namedBy: string;
  /** why a configured language model's answer was not used (the catalogue's texts were); null when it was, or none is configured */
  readonly fallbackReason: string | null;
  /** one per segment, in the order given */
  readonly segments: readonly SegmentNaming[];
}

export interface SegmentNamer {
  /** never rejects for the model's sake (a failing language model falls back); only an abort of `signal` rejects */
  name(segments: readonly SegmentFacts[], signal?: AbortSignal): Promise<NamingResult>;
}

export const CATALOGUE_NAMER = 'catalogue';
