import type { Resolvers } from '../../generated/graphql.ts';
import { qualityOptions, qualityReport } from './quality-report.ts';
import { featureHistograms } from './feature-histograms.ts';

export const qualityResolvers: Resolvers = {
  Query: {
    qualityReport: (_, args, { services }) => qualityReport(services.db, services.portrait, services.now(), qualityOptions(args)),
    featureHistograms: (_, args, { services }) => featureHistograms(services.db, services.portrait, services.now(), args),
  },
};
