// Time-decayed category weights on the profile row: { category: weight as of `at` }. An event adds 1 at its own
// time; weights are carried forward by dailyDecay^(days). Late events add their already-decayed share, so the result
// does not depend on arrival order.
import type { InterestTagsConfig } from '../../portrait/config.ts';

const DAY_MS = 86_400_000;

export interface CategoryState {
  weights: Record<string, number>;
  at: Date | null;
}

export function applyCategories(
  state: CategoryState,
  events: readonly { occurredAt: Date; categories: readonly string[] }[],
  dailyDecay: number,
): CategoryState {
  const weights = { ...state.weights };
  let at = state.at;
  for (const e of events) {
    if (e.categories.length === 0) continue;
    if (at === null) at = e.occurredAt;
    if (e.occurredAt > at) {
      const f = Math.pow(dailyDecay, (e.occurredAt.getTime() - at.getTime()) / DAY_MS);
      for (const k of Object.keys(weights)) weights[k] = weights[k]! * f;
      at = e.occurredAt;
    }
    const share = Math.pow(dailyDecay, (at.getTime() - e.occurredAt.getTime()) / DAY_MS);
    for (const c of e.categories) weights[c] = (weights[c] ?? 0) + share;
  }
  return { weights, at };
}

/** The top categories by weight decayed to `now`, those at or above the configured minimum weight. */
export function currentInterestTags(
  row: { categoryWeights: unknown; weightsAt: Date | null },
  now: Date,
  cfg: Pick<InterestTagsConfig, 'dailyDecay' | 'maxTags' | 'minWeight'>,
): string[] {
  if (!row.weightsAt || typeof row.categoryWeights !== 'object' || row.categoryWeights === null) return [];
  const f = Math.pow(cfg.dailyDecay, Math.max(0, now.getTime() - row.weightsAt.getTime()) / DAY_MS);
  return Object.entries(row.categoryWeights as Record<string, number>)
    .map(([tag, w]) => [tag, w * f] as const)
    .filter(([, w]) => w >= cfg.minWeight)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, cfg.maxTags)
    .map(([tag]) => tag);
}
