import type { Resolvers } from '../../generated/graphql.ts';

export const importsResolvers: Resolvers = {
  Mutation: {
    importUsers: (_, { users }, { services }) => services.importUsers(users),
  },
};
