// The profile row's time-decayed category state: category_weights holds { weights, counts } as of weights_at
// (the arithmetic is src/rules/decay.ts; this file only moves it in and out of the row).
import { addEvents, EMPTY_DECAY_STATE, interestTags, type DecayState } from '../../rules/decay.ts';
import type { InterestTagsConfig } from '../../config/portrait-config.ts';

const isNumberRecord = (v: unknown): v is Record<string, number> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'number');

/** Parses the stored JSON at the boundary; anything malformed counts as no history rather than failing a read. */
export function readDecayState(json: unknown, at: Date | null): DecayState {
  if (at === null || typeof json !== 'object' || json === null) return EMPTY_DECAY_STATE;
  const { weights, counts } = json as { weights?: unknown; counts?: unknown };
  return isNumberRecord(weights) && isNumberRecord(counts) ? { weights, counts, at } : EMPTY_DECAY_STATE;
}

/** A user's new events (in time order) added to its state: one copy of the state per user, not per event. */
export function applyCategories(
  state: DecayState,
  events: readonly { occurredAt: Date; categories: readonly string[] }[],
  dailyDecay: number,
): DecayState {
  return addEvents(state, events, dailyDecay);
}

export function currentInterestTags(row: { categoryWeights: unknown; weightsAt: Date | null }, now: Date, cfg: InterestTagsConfig): string[] {
  return interestTags(readDecayState(row.categoryWeights, row.weightsAt), now, cfg);
}
