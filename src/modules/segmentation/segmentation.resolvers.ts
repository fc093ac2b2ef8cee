import type { Resolvers, SegmentLabels as SegmentLabelsGql } from '../../generated/graphql.ts';
import type { Segment } from '../../generated/prisma/client.ts';
import { parseStoredDescription as description } from './describe-segments.ts';
import { isUuid } from '../../db/uuid.ts';
import { notFound } from '../../errors.ts';
import { KEY_METRICS } from '../../rules/labels.ts';
import { listUsers, checkPageSize } from '../users/users-service.ts';
import { ALL_FEATURES, FEATURE_CATALOG, usesText } from './features.ts';
import { userTopicShares } from '../../text/topics.ts';
import { RETRAIN_JOB, requestRetrain } from './training-job.ts';
import { activateModel, findActiveModel, listModels } from './model-store.ts';
import { listJobs } from '../jobs/job-queue.ts';
import { predictSegment, predictSegments } from './predict.ts';
import { listTrainingMembers } from './training-members.ts';
import { compareModels } from './compare-models.ts';
import { catalogueNaming } from './naming/catalogue-namer.ts';
import { segmentFacts } from './naming/apply-naming.ts';
import { renameSegments } from './naming/rename-segments.ts';
import { readMetrics, readPipeline, readReport, readSegmentStats } from './model-row.ts';

const LINKAGE = { ward: 'WARD', average: 'AVERAGE' } as const;
/** Models named before namers existed store no description or strategy: the catalogue's are derived from the labels. */
const catalogueFallback = (s: Segment) =>
  catalogueNaming([segmentFacts({ ...s, stats: readSegmentStats(s), description: description(s) })])[0]!;
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
    predictSegments: (_, { users }, { services }) => predictSegments(services.db, services.activeModels, users),
    features: () => [...ALL_FEATURES],
    featureCatalog: () => FEATURE_CATALOG.map((f) => ({ ...f })),
    compareModels: (_, { a, b }, { services }) => compareModels(services.db, a, b),
  },
  Mutation: {
    retrain: async (_, { input }, { services, principal }) => {
      const job = await requestRetrain(services.db, input, principal!.name, { embeddingsInText: services.env.PORTRAIT_EMBEDDINGS_MULTILINGUAL === 'on' });
      services.jobs?.poke();
      return job;
    },
    activateModel: async (_, { id }, { services }) => {
      if (!isUuid(id)) throw notFound(`model ${id}`);
      return activateModel(services.db, id, services.now(), services.portrait, services.onActivate);
    },
    renameSegments: (_, { modelId }, { services }) => renameSegments(services.db, services.namer, modelId),
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
    warnings: (m) => [
      ...readReport(m).warnings,
      ...(m.namingFallback ? [`The language model's segment names were not used (the catalogue's are): ${m.namingFallback}`] : []),
    ],
  },
  Segment: {
    name: (s, { locale }) => description(s).name[locale ?? 'EN'],
    strategy: (s, { locale }) => (description(s).strategy ?? catalogueFallback(s).strategy)[locale ?? 'EN'],
    description: (s, { locale }) => (description(s).description ?? catalogueFallback(s).description)[locale ?? 'EN'],
    labels: (s): SegmentLabelsGql => {
      const l = description(s).labels;
      return { value: l.value, frequency: l.frequency, recency: l.recency, engagement: l.engagement, ageGroup: l.ageGroup, genderMix: l.genderMix, cityTierMix: l.cityTierMix };
    },
    stats: (s) => readSegmentStats(s),
    relativeProfile: (s) => KEY_METRICS.map((metric) => ({ metric, ratio: description(s).relativeProfile[metric] ?? null })),
    model: async (s, _, { loaders }) => (await loaders.modelById.load(s.modelId))!,
    // live members while the model is active; who it was trained on otherwise (a candidate, or a model rolled back from)
    users: async (s, args, { services, loaders }) =>
      (await loaders.modelById.load(s.modelId))?.active ? listUsers(services.db, { ...args, segmentId: s.id }) : listTrainingMembers(services.db, s, args),
    text: async (s, _, { loaders }) => {
      const [sums, model] = await Promise.all([loaders.segmentTextById.load(s.id), loaders.modelById.load(s.modelId)]);
      if (!sums && !usesText(model?.features ?? [])) return null;
      const reviews = sums?.reviews ?? 0;
      return {
        reviews,
        sentiment: sums && reviews > 0 ? sums.sentimentSum / reviews : null,
        topics: userTopicShares(new Map(Object.entries(sums?.topicSums ?? {})), reviews),
        examples: sums?.examples ?? [],
      };
    },
  },
  SegmentMembership: {
    segment: async (m, _, { loaders }) => (await loaders.segmentById.load(m.segmentId))!,
  },
  SegmentPrediction: {
    segment: async (p, _, { loaders }) => (await loaders.segmentById.load(p.segmentId))!,
  },
  User: {
    segmentHistory: (user, { first }, { loaders }) => loaders.segmentHistoryByUserId(checkPageSize(first ?? 20)).load(user.id),
    segment: async (user, _, { loaders }) => {
      const segmentId = await loaders.segmentIdByUserId.load(user.id);
      return segmentId ? loaders.segmentById.load(segmentId) : null;
    },
    segmentExplanation: (user, _, { loaders }) => loaders.segmentExplanationByUser.load(user),
  },
  SegmentExplanation: {
    segment: async (e, _, { loaders }) => (await loaders.segmentById.load(e.segmentId))!,
    runnerUp: (e, _, { loaders }) => (e.runnerUpId ? loaders.segmentById.load(e.runnerUpId) : null),
  },
};
