import type { Resolvers } from '../../generated/graphql.ts';
import { behaviourPreferences } from '../../rules/activity.ts';
import { toBehaviourStats } from './behaviour-stats.ts';

export const eventsResolvers: Resolvers = {
  Mutation: {
    ingestEvents: (_, { events }, { services }) => services.ingestEvents(events),
  },
  Profile: {
    // Derived from the user's recent events, counted per request in one query for every profile asked for.
    behaviourPreferences: async (p, _, { loaders, services }) => {
      const cfg = services.portrait.behaviourPreferences;
      const stats = toBehaviourStats(await loaders.behaviourCountsByUserId.load(p.userId), p.firstEventAt, services.now(), cfg);
      return stats ? behaviourPreferences(stats, cfg) : [];
    },
  },
};
