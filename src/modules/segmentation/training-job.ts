// The retrain job (training-job.ts): validates the request, queues a durable job and returns it at once; the job (run by
// the JobRunner in any process) reads the profiles, trains in a worker thread, describes and names the segments and
// writes the model.
import { z } from 'zod';
import { forLongStatements, type Db } from '../../db/client.ts';
import type { Job, SegmentationModel } from '../../generated/prisma/client.ts';
import type { TrainInput } from '../../generated/graphql.ts';
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { Logger } from '../../logger.ts';
import { badInput, PublicError } from '../../errors.ts';

/** Why a queued training cannot run on the data as it is (shown as the job's error). */
class TrainingInputError extends PublicError {}
import { enqueue } from '../jobs/job-queue.ts';
import { toJsonValue } from '../../db/json.ts';
import type { JobContext, JobHandler } from '../jobs/job-runner.ts';
import { isFeatureName, resolveFeatureSelection, usesEmbedding, usesRfm, type FeatureName } from './features.ts';
import { fitEmbeddingProjection } from './embedding-features.ts';
import type { FeatureGroup } from '../../generated/graphql.ts';
import { computePopulationStats } from '../population/population-stats.ts';
import { loadFeatureMatrix, skippedRowsWarning } from './load-features.ts';
import { withSkippedRows } from './fit-segmentation.ts';
import { TrainingWorker } from './training-thread.ts';
import { describePopulation, describeSegments, DESCRIPTION_COLUMNS, type DescribedPopulation } from './describe-segments.ts';
import { saveModel, type ActivationHook } from './model-store.ts';
import { trainingBins } from './feature-bins.ts';
import { trainParamsSchema } from './model-report.ts';
import type { SegmentNamer } from './naming/namer.ts';
import { segmentFacts, trainingTextSummaries, withNaming } from './naming/apply-naming.ts';
import { fromPrisma } from '../../db/sql.ts';
import { latestTextModelVersion, learnTextModel, type TextModelCache } from '../text/text-models.ts';
import { lapTimer } from '../../lib/laps.ts';

export const RETRAIN_JOB = 'retrain';
const MAX_K = 50;

/** A retrain job's payload: stored as JSON in the job row and parsed back when the job runs. */
const retrainPayloadSchema = trainParamsSchema.extend({
  features: z.array(z.custom<FeatureName>((v) => typeof v === 'string' && isFeatureName(v), 'unknown feature')).min(1),
  activate: z.boolean(),
});
export type RetrainPayload = z.infer<typeof retrainPayloadSchema>;

const MAX_GROUP_WEIGHT = 100;

/** Checks the requested group weights against the selected groups; group -> weight, or null without any. */
function parseGroupWeights(input: TrainInput['groupWeights'], groups: readonly FeatureGroup[] | null | undefined): Record<string, number> | null {
  if (input == null) return null;
  if (groups == null) throw badInput('input.groupWeights', 'needs featureGroups (weights apply to the selected groups)');
  const out: Record<string, number> = {};
  for (const { group, weight } of input) {
    if (!groups.includes(group)) throw badInput('input.groupWeights', `${group} is not among the selected groups (${[...new Set(groups)].join(', ')})`);
    if (group in out) throw badInput('input.groupWeights', `${group} is weighted twice`);
    if (!(Number.isFinite(weight) && weight > 0 && weight <= MAX_GROUP_WEIGHT)) throw badInput('input.groupWeights', `the weight of ${group} must be above 0 and at most ${MAX_GROUP_WEIGHT}`);
    out[group] = weight;
  }
  return out;
}

/**
 * Checks a TrainInput at the edge; every problem names its field. `embeddingsInText`: the embeddings endpoint is
 * multilingual, so a TEXT group selection takes the reduced embedding dimensions too (features.ts).
 */
export function parseTrainInput(input: TrainInput | null | undefined, opts: { embeddingsInText?: boolean } = {}): RetrainPayload {
  const i = input ?? {};
  const kMin = i.kMin ?? 2;
  const kMax = i.kMax ?? 10;
  if (i.k != null && (i.k < 2 || i.k > MAX_K)) throw badInput('input.k', `must be from 2 to ${MAX_K}`);
  if (kMin < 2) throw badInput('input.kMin', 'must be at least 2');
  if (kMax > MAX_K) throw badInput('input.kMax', `must be at most ${MAX_K}`);
  if (kMin > kMax) throw badInput('input.kMax', 'must not be below kMin');
  if (i.eps != null && !(Number.isFinite(i.eps) && i.eps > 0)) throw badInput('input.eps', 'must be a positive number');
  if (i.minSamples != null && i.minSamples < 1) throw badInput('input.minSamples', 'must be at least 1');
  const { features, groups } = resolveFeatureSelection(i.features, i.featureGroups, opts);
  // the groups the pipeline weights: those asked for, and those of features named beside them
  const groupWeights = parseGroupWeights(i.groupWeights, groups);
  return {
    algorithm: i.algorithm ?? 'KMEANS',
    k: i.k ?? null,
    kMin,
    kMax,
    seed: i.seed ?? 0,
    winsorize: i.winsorize ?? false,
    eps: i.eps ?? 0.5,
    minSamples: i.minSamples ?? 5,
    linkage: i.linkage === 'AVERAGE' ? 'average' : 'ward',
    compare: i.compare ?? false,
    features,
    featureGroups: groups,
    groupWeights,
    activate: i.activate ?? true,
  };
}

export async function requestRetrain(db: Db, input: TrainInput | null | undefined, createdBy: string, opts: { embeddingsInText?: boolean } = {}): Promise<Job> {
  const payload = parseTrainInput(input, opts);
  return enqueue(db, RETRAIN_JOB, toJsonValue(payload), createdBy);
}

interface TrainDeps {
  db: Db;
  config: PortraitConfig;
  logger: Logger;
  now: () => Date;
  /** names, describes and gives strategies to the segments (the catalogue, or a configured language model) */
  namer: SegmentNamer;
  /** the newest text model, cached (the version learned here is looked for at once) */
  textModels: Pick<TextModelCache, 'invalidate'>;
  /** what an activation also changes in its transaction (model-store.ts ActivationHook) */
  onActivate: ActivationHook;
}

/** The job's progress while the namer runs (a language model may take seconds): 0.92 when it starts, 0.97 when done. */
export const NAMING_PROGRESS = { start: 0.92, done: 0.97 } as const;

/** Reads the profiles, trains in a worker thread, describes the segments and writes the model (marking the job done). */
type TextLearning = Promise<{ value: Awaited<ReturnType<typeof learnTextModel>> } | { error: unknown }>;

export async function trainAndSave(
  deps: TrainDeps,
  payload: RetrainPayload,
  job: Job,
  ctx: Pick<JobContext, 'signal' | 'progress'>,
  completeJob = true,
): Promise<SegmentationModel> {
  // The text model (topics from a sample of the corpus, naive Bayes on the rated reviews) is learned alongside the
  // training (its reading is mostly the database's work, the clustering a worker thread's) and awaited before the model
  // is written, which records its version (Model.textModel). Without reviews the newest stored version (if any) stands.
  // A training that fails stops it: a failed job must not leave a text model version behind.
  const stopLearning = new AbortController();
  const learning: TextLearning = learnTextModel(deps.db, deps.logger, {
    source: 'retrain', jobId: job.id, trainSentiment: true, seed: payload.seed, signal: AbortSignal.any([ctx.signal, stopLearning.signal]),
  }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  // The training thread starts now: its modules load (~0.4 s in development) while the profiles are read.
  const worker = new TrainingWorker();
  try {
    return await trainAndSaveBeside(deps, payload, job, ctx, completeJob, learning, worker);
  } catch (err) {
    stopLearning.abort();
    worker.stop();
    throw err;
  }
}

async function trainAndSaveBeside(
  deps: TrainDeps,
  payload: RetrainPayload,
  job: Job,
  ctx: Pick<JobContext, 'signal' | 'progress'>,
  completeJob: boolean,
  learning: TextLearning,
  worker: TrainingWorker,
): Promise<SegmentationModel> {
  const { signal, progress } = ctx;
  const now = deps.now();
  // wall time per stage, logged with the model (the benchmark prints them)
  const stages: Record<string, number> = {};
  const lap = lapTimer(stages);
  // RFM features are scored against the population as it is now (one extra pass, which also refreshes the stats).
  const rfmCuts = usesRfm(payload.features) ? (await computePopulationStats(deps.db, now, deps.config)).rfmCuts : null;
  lap('population statistics');
  // the embedding dimensions project the users' mean embeddings on components fitted now, stored with the model
  const embedding = usesEmbedding(payload.features) ? await fitEmbeddingProjection(fromPrisma(deps.db), payload.seed) : null;
  if (usesEmbedding(payload.features) && !embedding) {
    throw new TrainingInputError(
      'textEmbedding1..4 need at least 2 users with embedded reviews in one embedding space, and there are fewer (the embedding backfill may still be running: User.profile.pendingEmbeddings); retry later, or train without them',
    );
  }
  // One pass over the profiles reads the training matrix and, apart, the columns the segment descriptions need.
  const loaded = await loadFeatureMatrix(deps.db, payload.features, now, deps.config, (f) => void progress(0.1 * f), rfmCuts, embedding, {
    columns: DESCRIPTION_COLUMNS,
    // the save leaves out users erased since; the mark spares it looking when there were none
    markErasures: true,
  });
  lap('read profiles');
  signal.throwIfAborted();
  const training = loaded.matrix;
  const { features, activate, ...params } = payload;
  // before training: the worker thread takes the matrix's buffer
  const featureBins = trainingBins(training, features);
  const training$ = worker.train(training, features, params, { signal, onProgress: (f) => void progress(0.1 + 0.8 * f) });
  // The population's side of the descriptions (tier cut points, means: ~0.2 s at 1M) here, while the worker thread
  // starts and preprocesses on one core.
  let population: DescribedPopulation | null = null;
  try {
    population = describePopulation(loaded.columns, loaded.genders, deps.config);
  } catch (err) {
    worker.stop();
    await training$.catch(() => {});
    throw err;
  }
  // profiles with unusable values were left out by the loader: the model says how many
  const trained = withSkippedRows(await training$, loaded.skipped, skippedRowsWarning);
  lap('train (worker)');
  const described = describeSegments(population, trained.labels, trained.k, deps.config);
  // the columns let go before the save (80 MB at 1M users)
  loaded.columns.clear();
  population = null;
  await progress(NAMING_PROGRESS.start);
  signal.throwIfAborted();
  // Before the model is written, so it never exists unnamed; off the request path (this is a job).
  // what each group's users write (their reviews' sums and a few examples), so names and descriptions can say it
  // (only users who wrote a review count in those sums: the others are not sent); a job's statement, bound by the job
  // timeout
  const text = await trainingTextSummaries(
    fromPrisma(forLongStatements(deps.db)),
    Array.from(loaded.reviewers, (i) => loaded.userIds[i]!),
    Array.from(loaded.reviewers, (i) => trained.labels[i]!),
  );
  lap('describe + text sums');
  const facts = trained.segments.flatMap((s) =>
    described[s.index] ? [segmentFacts({ ...s, description: described[s.index]!, text: text.get(s.index) ?? null })] : [],
  );
  const naming = await deps.namer.name(facts, signal);
  const descriptions = described.map((d, g) => {
    const n = naming.segments.find((x) => x.index === g);
    return n ? withNaming(d, n) : d;
  });
  await progress(NAMING_PROGRESS.done);
  const textOutcome = await learning;
  if ('error' in textOutcome) throw textOutcome.error;
  const learned = textOutcome.value;
  deps.textModels.invalidate();
  const textModelVersion = learned?.version ?? ((await latestTextModelVersion(fromPrisma(deps.db))) || null);
  lap('naming + text model');
  signal.throwIfAborted();
  const model = await saveModel(deps.db, trained, {
    userIds: loaded.userIds,
    erasureMark: loaded.erasureMark,
    descriptions,
    naming: { namedBy: naming.namedBy, fallbackReason: naming.fallbackReason },
    rfmCuts,
    embedding,
    featureBins,
    activate,
    createdBy: job.createdBy,
    jobId: job.id,
    textModelVersion,
    completeJob,
    now,
    config: deps.config,
    onActivate: deps.onActivate,
    timings: stages,
  });
  lap('save');
  deps.logger.info(
    {
      modelId: model.id, version: model.version, k: model.k, namedBy: naming.namedBy, timings: trained.report.timingsMs, stages,
      textModel: learned && { version: learned.version, ratedReviews: learned.ratedReviews, heldOutAccuracy: learned.heldOutAccuracy, lexiconAccuracy: learned.lexiconAccuracy, sentimentBlended: learned.sentimentBlended },
    },
    'model trained',
  );
  return model;
}

export function retrainHandler(deps: TrainDeps): JobHandler {
  return async (ctx) => {
    await trainAndSave(deps, retrainPayloadSchema.parse(ctx.job.payload), ctx.job, ctx);
  };
}
