import type { Resolvers } from '../../generated/graphql.ts';
import { behaviourPreferences } from '../../rules/activity.ts';
import { toBehaviourStats } from './behaviour-stats.ts';
import { decodeEventCursor } from './user-events.ts';
import { checkPageSize } from '../users/users-service.ts';

export const eventsResolvers: Resolvers = {
  Mutation: {
    // eventBatch: the batch as coerced ahead of graphql-js (src/graphql/event-batch-coercion.ts), which then sees [];
    // taken off the context, which lives to the response, so it is garbage once validated
    ingestEvents: (_, { events }, context) => {
      const batch = context.eventBatch ?? events;
      context.eventBatch = undefined;
      return context.services.ingestEvents(batch);
    },
  },
  User: {
    events: (user, { first, after }, { loaders }) =>
      loaders.eventPage.load({ userId: user.id, first: checkPageSize(first ?? 20), after: after ? decodeEventCursor(after) : null }),
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
