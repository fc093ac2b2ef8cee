import type { Resolvers } from '../../generated/graphql.ts';
import { userLabels } from '../../rules/labels.ts';
import { scoreRfm } from '../../rules/rfm.ts';
import { rfmSegmentName } from '../../rules/naming.ts';

// The portrait of one user against the population: tiers and RFM (behaviour preferences come from the events module).
export const profilesResolvers: Resolvers = {
  Profile: {
    labels: async (p, _, { services }) => {
      const stats = await services.populationStats.get(services.db);
      return stats ? userLabels({ ...p, age: p.age }, stats.labelThresholds, services.portrait.labels) : null;
    },
    rfm: async (p, _, { services }) => {
      const stats = await services.populationStats.get(services.db);
      return stats ? scoreRfm({ recencyDays: p.lastPurchaseDays, frequency: p.purchaseFrequency, monetary: p.totalSpent }, stats.rfmCuts) : null;
    },
  },
  Rfm: {
    recency: (r) => r.r,
    frequency: (r) => r.f,
    monetary: (r) => r.m,
    segmentName: (r, { locale }) => rfmSegmentName(r.segment, locale ?? 'EN'),
  },
};
