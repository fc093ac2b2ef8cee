import type { Resolvers } from '../../generated/graphql.ts';
import { issueMessage } from '../../rules/health.ts';
import { parseWindowMinutes } from './system-health.ts';
import { listDailyReports, parseFirst } from './daily-report.ts';

export const monitoringResolvers: Resolvers = {
  Query: {
    systemHealth: (_, { windowMinutes }, { services }) => services.monitor.health(parseWindowMinutes(windowMinutes)),
    dailyReports: (_, { first }, { services }) => listDailyReports(services.db, parseFirst(first)),
  },
  HealthIssue: {
    message: (issue, { locale }) => issueMessage(issue, locale ?? 'EN'),
  },
  DailyReport: {
    recommendations: (report, { locale }) => report.recommendations[locale ?? 'EN'],
  },
};
