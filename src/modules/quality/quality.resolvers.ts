import type { Resolvers } from '../../generated/graphql.ts';
import { qualityOptions, qualityReport } from './quality-report.ts';

export const qualityResolvers: Resolvers = {
  Query: {
    qualityReport: (_, args, { services }) => qualityReport(services.db, services.portrait, services.now(), qualityOptions(args)),
  },
};
