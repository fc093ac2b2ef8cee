import type { Resolvers } from '../../generated/graphql.ts';
import { listUsers } from '../users/users-service.ts';
import { createAudience, deleteAudience, listAudiences, updateAudience } from './audiences-service.ts';

export const audiencesResolvers: Resolvers = {
  Query: {
    audiences: (_, __, { services }) => listAudiences(services.db),
    audience: (_, { id }, { loaders }) => loaders.audienceById.load(id),
  },
  Mutation: {
    createAudience: (_, { input }, { services }) => createAudience(services.db, input, services.now(), services.portrait),
    updateAudience: (_, { id, input }, { services }) => updateAudience(services.db, id, input, services.now(), services.portrait),
    deleteAudience: (_, { id }, { services }) => deleteAudience(services.db, id),
  },
  Audience: {
    size: (a, _, { loaders }) => loaders.audienceSizeById.load(a.id),
    users: (a, args, { services }) => listUsers(services.db, { ...args, audienceId: a.id }),
  },
  User: {
    audiences: (user, _, { loaders }) => loaders.audiencesByUserId.load(user.id),
  },
};
