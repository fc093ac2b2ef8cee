import type { Resolvers } from '../../generated/graphql.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';

export const authResolvers: Resolvers = {
  Query: {
    viewer: (_, __, { principal }) => ({ name: principal!.name, role: principal!.role }),
    apiKeys: (_, __, { services }) => listApiKeys(services.db),
  },
  Mutation: {
    createApiKey: (_, { input }, { services }) => createApiKey(services.db, input),
    revokeApiKey: (_, { id }, { services }) => revokeApiKey(services.db, id, services.auth.cache),
  },
};
