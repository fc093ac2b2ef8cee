import type { Resolvers } from '../../generated/graphql.ts';
import { userLabels } from '../../rules/labels.ts';
import { scoreRfm } from '../../rules/rfm.ts';
import { rfmSegmentName } from '../../rules/naming.ts';
import { behaviourPreferences } from '../../rules/activity.ts';
import { toBehaviourStats } from '../events/behaviour-stats.ts';

export const portraitResolvers: Resolvers = {
  Profile: {
    labels: async (p, _, { services }) => {
      const stats = await services.populationStats.get(services.db);
      return stats ? userLabels({ ...p, age: p.age }, stats.labelThresholds, services.portrait.labels) : null;
    },
    rfm: async (p, _, { services }) => {
      const stats = await services.populationStats.get(services.db);
      return stats ? scoreRfm({ recencyDays: p.lastPurchaseDays, frequency: p.purchaseFrequency, monetary: p.totalSpent }, stats.rfmCuts) : null;
    },
    behaviourPreferences: async (p, _, { loaders, services }) => {
      const cfg = services.portrait.behaviourPreferences;
      const stats = toBehaviourStats(await loaders.behaviourCountsByUserId.load(p.userId), p.firstEventAt, services.now(), cfg);
      return stats ? behaviourPreferences(stats, cfg) : [];
    },
  },
  Rfm: {
    recency: (r) => r.r,
    frequency: (r) => r.f,
    monetary: (r) => r.m,
    segmentName: (r, { locale }) => rfmSegmentName(r.segment, locale ?? 'EN'),
  },
};
