// predictSegment / predictSegments: place client-supplied feature vectors in the active model.
import type { Db } from '../../db/client.ts';
import { fromPrisma } from '../../db/sql.ts';
import { badInput, notFound } from '../../errors.ts';
import type { ActiveModel, ActiveModelCache } from './assignment.ts';
import { place } from '../../compute/pipeline.ts';

export interface Prediction {
  segmentId: string;
  probabilities: number[];
  distances: number[];
}

type FeatureValues = readonly { name: string; value: number }[];

/** Vectors per predictSegments call. */
const MAX_PREDICTIONS_PER_CALL = 10_000;

/** The vector in the model's feature order (NaN where missing), or a BAD_USER_INPUT naming `field`. */
function rawVector(features: readonly string[], input: FeatureValues, field: string): Float64Array {
  const unknown = input.map((f) => f.name).filter((n) => !features.includes(n));
  if (unknown.length) throw badInput(field, `unknown feature(s) ${unknown.join(', ')}; the active model uses ${features.join(', ')}`);
  const names = input.map((f) => f.name);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length) throw badInput(field, `repeated feature(s) ${[...new Set(repeated)].join(', ')}`);
  const bad = input.filter((f) => !Number.isFinite(f.value)).map((f) => f.name);
  if (bad.length) throw badInput(field, `non-finite value for ${bad.join(', ')}`);
  // Missing features stay NaN here: the model fills them with its training medians, as it did in training.
  const raw = new Float64Array(features.length).fill(Number.NaN);
  for (const f of input) raw[features.indexOf(f.name)] = f.value;
  return raw;
}

async function activeModel(db: Db, cache: ActiveModelCache): Promise<ActiveModel> {
  const model = await cache.get(fromPrisma(db));
  if (!model) throw notFound('active model (train one with retrain first)');
  return model;
}

function predict(model: ActiveModel, raw: Float64Array): Prediction {
  const placed = place(model.pipeline, raw);
  return { segmentId: model.segmentIds[placed.index]!, probabilities: placed.probabilities, distances: placed.distances };
}

export async function predictSegment(db: Db, cache: ActiveModelCache, input: FeatureValues): Promise<Prediction> {
  const model = await activeModel(db, cache);
  return predict(model, rawVector(model.features, input, 'features'));
}

/**
 * Every vector checked first (the first bad one fails the call, named by its index, e.g. `users[3]`), then all placed
 * in one model, in order.
 */
export async function predictSegments(db: Db, cache: ActiveModelCache, inputs: readonly FeatureValues[]): Promise<Prediction[]> {
  if (inputs.length > MAX_PREDICTIONS_PER_CALL) throw badInput('users', `at most ${MAX_PREDICTIONS_PER_CALL} vectors per call, got ${inputs.length}`);
  const model = await activeModel(db, cache);
  const raws = inputs.map((input, i) => rawVector(model.features, input, `users[${i}]`));
  return raws.map((raw) => predict(model, raw));
}
