// Segment names, descriptions and strategies written by a language model behind an OpenAI-compatible chat endpoint.
// The prompt carries aggregate statistics only (sizes, shares, labels, ratios against the population, review counts,
// sentiment, topics) and example reviews only when the operator allows it (PORTRAIT_NAMER_EXAMPLES=on). The answer must
// be JSON of one exact shape (zod), name every segment once, with short names unique within the model; anything else
// (no answer after the retries, malformed JSON, a missing, duplicate or too long name) falls back to the catalogue,
// with the reason recorded on the model. The strategy's priority and traits stay the catalogue's: they are facts
// derived from the labels; the model writes the insights, actions and goals.
import { z } from 'zod';
import type { NamerSettings } from '../../../config/env.ts';
import type { Logger } from '../../../logger.ts';
import { LOCALES, type Locale } from '../../../rules/naming.ts';
import type { Strategy } from '../../../rules/strategy.ts';
import { catalogueNaming } from './catalogue-namer.ts';
import { chatCompletion, ChatCompletionError, type ChatMessage, type RetryPolicy } from './chat-completions.ts';
import type { NamingResult, SegmentFacts, SegmentNamer, SegmentNaming } from './namer.ts';

/** Longest accepted name, in characters (code points): a name is a label on a chart, not a sentence. */
export const NAME_MAX: Readonly<Record<Locale, number>> = { EN: 48, ZH: 16 };
const DESCRIPTION_MAX = 800;
const ITEM_MAX = 300;
/** How many example reviews per segment, and how much of each, when examples are allowed. */
const EXAMPLES = { perSegment: 3, chars: 300 };
/** The training features shown per segment: those furthest from the population's mean. */
const FEATURES_SHOWN = 8;

const text = (max: number) => z.string().trim().min(1).max(max);
const items = z.array(text(ITEM_MAX)).min(1).max(6);
const localisedStrategy = z.object({ insights: items, actions: items, goals: items });
const answerSchema = z.object({
  segments: z.array(
    z.object({
      index: z.number().int(),
      name: z.object({ en: z.string().trim().min(1), zh: z.string().trim().min(1) }),
      description: z.object({ en: text(DESCRIPTION_MAX), zh: text(DESCRIPTION_MAX) }),
      strategy: z.object({ en: localisedStrategy, zh: localisedStrategy }),
    }),
  ),
});
type Answer = z.infer<typeof answerSchema>;
const KEY: Readonly<Record<Locale, 'en' | 'zh'>> = { EN: 'en', ZH: 'zh' };

const SYSTEM_PROMPT = [
  'You name customer segments for an e-commerce marketing team, in English and in Simplified Chinese.',
  'You get aggregate statistics per segment of one clustering model: size, share of users, business labels (tiers HIGH/MEDIUM/LOW against the population quantiles), ratios of the segment mean to the population mean, and, when present, what their reviews say (count, mean sentiment from -1 to 1, topics).',
  'For every segment write: a short name (at most 48 characters in English, at most 16 characters in Chinese) that tells it apart from the other segments: every name must be unique within the model in each language; a description of two to four sentences on who these users are and what they say; a strategy: insights, actions and goals (one to six short items each).',
  'Ground every statement in the statistics given; do not invent numbers.',
  'Answer with one JSON object and nothing else, of exactly this shape:',
  '{"segments":[{"index":0,"name":{"en":"...","zh":"..."},"description":{"en":"...","zh":"..."},"strategy":{"en":{"insights":["..."],"actions":["..."],"goals":["..."]},"zh":{"insights":["..."],"actions":["..."],"goals":["..."]}}}]}',
  'with one entry for every segment index given.',
].join('\n');

const round = (v: number | null | undefined, digits = 2): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? Number(v.toFixed(digits)) : null;

/** The user message: the statistics as JSON. Examples only when allowed; nothing else of a user leaves the service. */
export function namingPrompt(segments: readonly SegmentFacts[], catalogue: readonly SegmentNaming[], allowExamples: boolean): ChatMessage[] {
  const population = segments.reduce((n, s) => n + s.size, 0);
  const payload = {
    population,
    segments: segments.map((s, i) => ({
      index: s.index,
      size: s.size,
      sharePercent: round(s.share * 100, 1),
      labels: s.labels,
      relativeToAverage: Object.fromEntries(Object.entries(s.relativeProfile).map(([m, v]) => [m, round(v)])),
      features: [...s.stats]
        .filter((f) => f.ratio !== null && Number.isFinite(f.ratio) && f.ratio > 0)
        .sort((a, b) => Math.abs(Math.log(b.ratio!)) - Math.abs(Math.log(a.ratio!)))
        .slice(0, FEATURES_SHOWN)
        .map((f) => ({ feature: f.feature, segmentMean: round(f.mean), populationMean: round(f.populationMean), ratio: round(f.ratio) })),
      reviews: s.text
        ? {
            count: s.text.reviews,
            meanSentiment: round(s.text.sentiment),
            negativeShare: round(s.text.negativeShare),
            topics: s.text.topics.map((t) => ({ en: t.label.EN, zh: t.label.ZH, share: round(t.share), sentiment: round(t.sentiment) })),
            ...(allowExamples ? { examples: s.text.examples.slice(0, EXAMPLES.perSegment).map((e) => [...e].slice(0, EXAMPLES.chars).join('')) } : {}),
          }
        : null,
      ruleBasedName: catalogue[i]!.name,
    })),
  };
  return [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: JSON.stringify(payload) },
  ];
}

class InvalidAnswer extends Error {}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const normalise = (name: string) => name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/** The model's texts, checked: every index exactly once; names short, single-line and unique per locale. */
export function parseAnswer(content: string, segments: readonly SegmentFacts[]): Answer['segments'] {
  // Some servers wrap JSON in a Markdown fence even when asked for a JSON object.
  const unfenced = content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch {
    throw new InvalidAnswer(`the answer is not JSON: ${JSON.stringify(content.slice(0, 120))}`);
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new InvalidAnswer(`the answer does not have the expected shape: ${z.prettifyError(parsed.error).replace(/\s+/g, ' ').slice(0, 300)}`);
  const byIndex = new Map(parsed.data.segments.map((s) => [s.index, s]));
  const expected = segments.map((s) => s.index);
  if (byIndex.size !== parsed.data.segments.length) throw new InvalidAnswer('the answer names a segment index twice');
  const missing = expected.filter((i) => !byIndex.has(i));
  if (missing.length) throw new InvalidAnswer(`the answer has no entry for segment(s) ${missing.join(', ')}`);
  const extra = [...byIndex.keys()].filter((i) => !expected.includes(i));
  if (extra.length) throw new InvalidAnswer(`the answer names unknown segment(s) ${extra.join(', ')}`);
  for (const locale of LOCALES) {
    const seen = new Map<string, number>();
    for (const i of expected) {
      const name = byIndex.get(i)!.name[KEY[locale]];
      if ([...name].length > NAME_MAX[locale]) throw new InvalidAnswer(`the ${locale} name of segment ${i} is longer than ${NAME_MAX[locale]} characters: ${JSON.stringify(name)}`);
      if (CONTROL.test(name)) throw new InvalidAnswer(`the ${locale} name of segment ${i} contains a control character`);
      const other = seen.get(normalise(name));
      if (other !== undefined) throw new InvalidAnswer(`segments ${other} and ${i} have the same ${locale} name ${JSON.stringify(name)}`);
      seen.set(normalise(name), i);
    }
  }
  return expected.map((i) => byIndex.get(i)!);
}

export interface ChatNamerOptions {
  logger?: Logger;
  retry?: RetryPolicy;
}

export function chatNamer(settings: NamerSettings, opts: ChatNamerOptions = {}): SegmentNamer {
  return {
    async name(segments, signal): Promise<NamingResult> {
      const catalogue = catalogueNaming(segments);
      let answer: Answer['segments'];
      try {
        const content = await chatCompletion(settings, namingPrompt(segments, catalogue, settings.examples), { signal, ...(opts.retry ? { retry: opts.retry } : {}) });
        answer = parseAnswer(content, segments);
      } catch (err) {
        if (signal?.aborted) throw err;
        if (!(err instanceof ChatCompletionError || err instanceof InvalidAnswer)) throw err;
        const detail = err instanceof ChatCompletionError ? err.detail : null;
        opts.logger?.warn({ model: settings.model, reason: err.message, detail }, 'segment naming fell back to the catalogue');
        return { namedBy: 'catalogue', fallbackReason: `${settings.model}: ${err.message}`, segments: catalogue };
      }
      return {
        namedBy: settings.model,
        fallbackReason: null,
        segments: catalogue.map((c, i) => {
          const a = answer[i]!;
          const localised = <T>(f: (key: 'en' | 'zh', locale: Locale) => T) =>
            Object.fromEntries(LOCALES.map((l) => [l, f(KEY[l], l)])) as Record<Locale, T>;
          return {
            index: c.index,
            name: localised((k) => a.name[k].trim()),
            description: localised((k) => a.description[k]),
            strategy: localised<Strategy>((k, l) => ({ ...c.strategy[l], ...a.strategy[k] })),
          };
        }),
      };
    },
  };
}
