// Emoji that shoppers use as a verdict ("质量很好👍", "never again 😡"), on the lexicons' scale. Written by hand; only
// emoji whose meaning in a review is clear. Each is a word of its own clause (tokens.ts), so negation does not reach it.

import type { Entry, Lexicon } from './types.ts';
import { opinions } from './types.ts';

const ENTRIES: readonly Entry[] = [
  ['👍', 1], ['👌', 0.9], ['💯', 1.2], ['😍', 1.3], ['🥰', 1.3], ['❤', 1], ['😊', 0.8], ['😀', 0.8], ['😃', 0.8],
  ['😄', 0.9], ['😁', 0.9], ['🙂', 0.4], ['🎉', 0.6], ['🌟', 0.8], ['⭐', 0.6],
  ['👎', -1.2], ['😡', -1.5], ['😠', -1.3], ['🤬', -1.8], ['😤', -1], ['😞', -1], ['😔', -0.9], ['😢', -0.9],
  ['😩', -1], ['😫', -1], ['💔', -1.2], ['💩', -1.5], ['🤮', -1.6], ['🤢', -1.4], ['🙄', -0.8], ['😒', -0.9],
];

export const EMOJI_LEXICON: Lexicon = {
  opinions: opinions(ENTRIES),
  negators: {},
  degrees: {},
  dualDegrees: {},
  contrasts: [],
  concessions: [],
};

/** The emoji that are words (everything else that is not a letter or digit ends a clause). */
export const EMOJI_WORDS: ReadonlySet<string> = new Set(ENTRIES.map(([e]) => e));
