import type { Resolvers, SegmentLabels as SegmentLabelsGql } from '../../generated/graphql.ts';
import type { Segment } from '../../generated/prisma/client.ts';
import type { SegmentDescription } from './describe-segments.ts';
import type { TrainedModel, KSelectionSummary, FeatureStat } from './train-model.ts';
import { isUuid } from '../../db/uuid.ts';
import { notFound } from '../../errors.ts';
import { strategyFor } from '../../rules/strategy.ts';
import { KEY_METRICS } from '../../rules/labels.ts';
import { listUsers, checkPageSize } from '../users/users-service.ts';
import { ALL_FEATURES } from './features.ts';
import { RETRAIN_JOB, requestRetrain } from './retrain.ts';
import { activateModel, findActiveModel, listModels } from './model-store.ts';
import { listJobs } from '../jobs/job-queue.ts';
import { predictSegment } from './predict.ts';

type Details = Partial<Pick<TrainedModel, 'featureImportance' | 'stability' | 'comparison' | 'projection' | 'preprocessing'>> & {
  kSelection?: KSelectionSummary | null;
};
const details = (m: { details: unknown }) => m.details as Details;
const description = (s: Segment) => s.labels as unknown as SegmentDescription;
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
    metrics: (m) => m.metrics as never,
    segments: (m, _, { loaders }) => loaders.segmentsByModelId.load(m.id),
    kSelection: (m) => details(m).kSelection ?? null,
    featureImportance: (m) =>
      (details(m).featureImportance ?? []).map((f) => ({ ...f, f: Number.isFinite(f.f) ? f.f : null, p: Number.isFinite(f.p) ? f.p : null })),
    stability: (m) => details(m).stability ?? null,
    comparison: (m) => (details(m).comparison as never) ?? null,
    projection: (m) => details(m).projection ?? { explainedVariance: [], points: [] },
    scaling: (m) => {
      const scaler = m.scaler as { mean: number[]; std: number[] };
      const pre = details(m).preprocessing;
      return m.features.map((feature, j) => ({
        feature,
        mean: scaler.mean[j]!,
        std: scaler.std[j]!,
        median: pre?.medians[j] ?? 0,
        imputed: pre?.imputed[j] ?? 0,
      }));
    },
    params: (m) => m.params,
  },
  Segment: {
    name: (s, { locale }) => description(s).name[locale ?? 'EN'],
    strategy: (s, { locale }) => {
      const d = description(s);
      const relative = Object.fromEntries(Object.entries(d.relativeProfile).filter(([, v]) => v !== null)) as Record<string, number>;
      return strategyFor(d.labels, locale ?? 'EN', { relative });
    },
    labels: (s): SegmentLabelsGql => {
      const l = description(s).labels;
      return { value: l.value, frequency: l.frequency, recency: l.recency, engagement: l.engagement, ageGroup: l.ageGroup, genderMix: l.genderMix, cityTierMix: l.cityTierMix };
    },
    stats: (s) => s.stats as unknown as FeatureStat[],
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
  },
};
