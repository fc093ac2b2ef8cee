// predictSegment: places a client-supplied feature vector in the active model.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import { badInput, notFound } from '../../errors.ts';
import type { ActiveModelCache } from './assignment.ts';
import { place } from '../../compute/pipeline.ts';

export interface Prediction {
  segmentId: string;
  probabilities: number[];
  distances: number[];
}

export async function predictSegment(db: Db, cache: ActiveModelCache, input: readonly { name: string; value: number }[]): Promise<Prediction> {
  const model = await cache.get(fromPrisma(db));
  if (!model) throw notFound('active model (train one with retrain first)');
  const features: readonly string[] = model.features;
  const unknown = input.map((f) => f.name).filter((n) => !features.includes(n));
  if (unknown.length) throw badInput('features', `unknown feature(s) ${unknown.join(', ')}; the active model uses ${features.join(', ')}`);
  const names = input.map((f) => f.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) throw badInput('features', `repeated feature(s) ${[...new Set(repeated)].join(', ')}`);
  const bad = input.filter((f) => !Number.isFinite(f.value)).map((f) => f.name);
  if (bad.length) throw badInput('features', `non-finite value for ${bad.join(', ')}`);
  // Missing features stay NaN here: the model fills them with its training medians, as it did in training.
  const raw = new Float64Array(features.length).fill(Number.NaN);
  for (const f of input) raw[features.indexOf(f.name)] = f.value;
  const placed = place(model.pipeline, raw);
  return { segmentId: model.segmentIds[placed.index]!, probabilities: placed.probabilities, distances: placed.distances };
}
