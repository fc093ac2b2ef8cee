import type { Resolvers } from '../../generated/graphql.ts';
import { ingestEvents } from './ingest-events.ts';
import { liveAssignment } from '../segmentation/assignment.ts';

export const eventsResolvers: Resolvers = {
  Mutation: {
    ingestEvents: (_, { events }, { services }) =>
      ingestEvents(services.pool, events, {
        now: services.now(),
        dailyDecay: services.portrait.interestTags.dailyDecay,
        afterProfilesChanged: liveAssignment(services.activeModels, services.portrait, services.now),
      }),
  },
};
