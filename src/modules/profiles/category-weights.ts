// The profile row's time-decayed category state: category_weights holds { weights, counts } as of weights_at
// (the arithmetic is src/rules/decay.ts; this file only moves it in and out of the row).
import { addEvents, EMPTY_DECAY_STATE, interestTags, knownCategories, type DecayState } from '../../rules/decay.ts';
import type { InterestTagsConfig } from '../../config/portrait-config.ts';

const isNumberRecord = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number');

/** Parses the stored JSON at the boundary; anything malformed counts as no history rather than failing a read. */
export function readDecayState(json: unknown, at: Date | null): DecayState {
  if (at === null || typeof json !== 'object' || json === null) return EMPTY_DECAY_STATE;
  const { weights, counts } = json as { weights?: unknown; counts?: unknown };
  return isNumberRecord(weights) && isNumberRecord(counts) ? { weights, counts, at } : EMPTY_DECAY_STATE;
}

/**
 * A user's new events (in time order) added to its state: one copy of the state per user, not per event. Only the
 * configured categories count, so client-supplied strings cannot grow the state: it holds at most one weight per
 * configured category, and each event costs at most that many multiplications.
 */
export function applyCategories(
  state: DecayState,
  events: readonly { occurredAt: Date; categories: readonly string[] }[],
  cfg: Pick<InterestTagsConfig, 'categories' | 'dailyDecay'>,
): DecayState {
  return addEvents(state, events.map((e) => ({ occurredAt: e.occurredAt, categories: knownCategories(e.categories, cfg) })), cfg.dailyDecay);
}

/** The state as the profile row stores it (category_weights, weights_at). */
export function storedDecayState(state: DecayState): { categoryWeights: { weights: Record<string, number>; counts: Record<string, number> }; weightsAt: Date | null } {
  return { categoryWeights: { weights: { ...state.weights }, counts: { ...state.counts } }, weightsAt: state.at };
}

export function currentInterestTags(row: { categoryWeights: unknown; weightsAt: Date | null }, now: Date, cfg: InterestTagsConfig): string[] {
  return interestTags(readDecayState(row.categoryWeights, row.weightsAt), now, cfg);
}
