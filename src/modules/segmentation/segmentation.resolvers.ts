import type { Resolvers, SegmentLabels as SegmentLabelsGql } from '../../generated/graphql.ts';
import type { Segment } from '../../generated/prisma/client.ts';
import { z } from 'zod';
import { segmentDescriptionSchema, type SegmentDescription } from './describe-segments.ts';
import { isUuid } from '../../db/uuid.ts';
import { notFound } from '../../errors.ts';
import { strategyFor } from '../../rules/strategy.ts';
import { KEY_METRICS } from '../../rules/labels.ts';
import { listUsers, checkPageSize } from '../users/users-service.ts';
import { ALL_FEATURES } from './features.ts';
import { RETRAIN_JOB, requestRetrain } from './training-job.ts';
import { activateModel, findActiveModel, listModels } from './model-store.ts';
import { listJobs } from '../jobs/job-queue.ts';
import { predictSegment } from './predict.ts';
import { readMetrics, readPipeline, readReport, readSegmentStats } from './model-row.ts';

const LINKAGE = { ward: 'WARD', average: 'AVERAGE' } as const;
const descriptions = new WeakMap<Segment, SegmentDescription>();
/** The segment's stored description, parsed once per row object. */
function description(s: Segment): SegmentDescription {
  let d = descriptions.get(s);
  if (!d) {
    const r = segmentDescriptionSchema.safeParse(s.labels);
    if (!r.success) throw new Error(`stored segment ${s.id}: labels do not parse: ${z.prettifyError(r.error)}`);
    descriptions.set(s, (d = r.data));
  }
  return d;
}
const byId = <T>(id: string, load: (id: string) => Promise<T | null>) => (isUuid(id) ? load(id) : Promise.resolve(null));

export const segmentationResolvers: Resolvers = {
  Query: {
    activeModel: (_, __, { services }) => findActiveModel(services.db),
    model: (_, { id }, { loaders }) => byId(id, (i) => loaders.modelById.load(i)),
    models: (_, __, { services }) => listModels(services.db),
    segment: (_, { id }, { loaders }) => byId(id, (i) => loaders.segmentById.load(i)),
    trainingJob: (_, { id }, { loaders }) => byId(id, (i) => loaders.jobById.load(i)),
    trainingJobs: (_, { first }, { services }) => listJobs(services.db, { kind: RETRAIN_JOB }, checkPageSize(first ?? 20)),
    predictSegment: (_, { features }, { services }) => predictSegment(services.db, services.activeModels, features),
    features: () => [...ALL_FEATURES],
  },
  Mutation: {
    retrain: async (_, { input }, { services, principal }) => {
      const job = await requestRetrain(services.db, input, principal!.name);
      services.jobs?.poke();
      return job;
    },
    activateModel: async (_, { id }, { services }) => {
      if (!isUuid(id)) throw notFound(`model ${id}`);
      return activateModel(services.db, id, services.now(), services.portrait);
    },
  },
  TrainingJob: {
    model: (job, _, { loaders }) => (job.modelId ? loaders.modelById.load(job.modelId) : null),
  },
  Model: {
    metrics: (m) => readMetrics(m),
    segments: (m, _, { loaders }) => loaders.segmentsByModelId.load(m.id),
    kSelection: (m) => readReport(m).kSelection,
    featureImportance: (m) => readReport(m).featureImportance,
    stability: (m) => readReport(m).stability,
    comparison: (m) => readReport(m).comparison?.map((row) => ({ ...row, linkage: row.linkage ? LINKAGE[row.linkage] : null })) ?? null,
    projection: (m) => readReport(m).projection,
    scaling: (m) => {
      const { medians, scaler } = readPipeline(m).preprocessing;
      const imputed = readReport(m).imputed;
      return m.features.map((feature, j) => ({
        feature,
        mean: scaler.mean[j]!,
        std: scaler.std[j]!,
        median: medians[j]!,
        imputed: imputed[j] ?? 0,
      }));
    },
    params: (m) => m.params,
    warnings: (m) => readReport(m).warnings,
  },
  Segment: {
    name: (s, { locale }) => description(s).name[locale ?? 'EN'],
    strategy: (s, { locale }) => {
      const d = description(s);
      const relative = Object.fromEntries(Object.entries(d.relativeProfile).flatMap(([metric, v]) => (typeof v === 'number' ? [[metric, v]] : [])));
      return strategyFor(d.labels, locale ?? 'EN', { relative });
    },
    labels: (s): SegmentLabelsGql => {
      const l = description(s).labels;
      return { value: l.value, frequency: l.frequency, recency: l.recency, engagement: l.engagement, ageGroup: l.ageGroup, genderMix: l.genderMix, cityTierMix: l.cityTierMix };
    },
    stats: (s) => readSegmentStats(s),
    relativeProfile: (s) => KEY_METRICS.map((metric) => ({ metric, ratio: description(s).relativeProfile[metric] ?? null })),
    model: async (s, _, { loaders }) => (await loaders.modelById.load(s.modelId))!,
    users: (s, args, { services }) => listUsers(services.db, { ...args, segmentId: s.id }),
  },
  SegmentPrediction: {
    segment: async (p, _, { loaders }) => (await loaders.segmentById.load(p.segmentId))!,
  },
  User: {
    segment: async (user, _, { loaders }) => {
      const profile = user.profile !== undefined ? user.profile : await loaders.profileByUserId.load(user.id);
      return profile?.segmentId ? loaders.segmentById.load(profile.segmentId) : null;
    },
    segmentExplanation: (user, _, { loaders }) => loaders.segmentExplanationByUser.load(user),
  },
  SegmentExplanation: {
    segment: async (e, _, { loaders }) => (await loaders.segmentById.load(e.segmentId))!,
    runnerUp: (e, _, { loaders }) => (e.runnerUpId ? loaders.segmentById.load(e.runnerUpId) : null),
  },
};
