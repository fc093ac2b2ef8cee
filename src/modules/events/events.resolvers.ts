import type { Resolvers } from '../../generated/graphql.ts';

export const eventsResolvers: Resolvers = {
  Mutation: {
    ingestEvents: (_, { events }, { services }) => services.ingestEvents(events),
  },
};
