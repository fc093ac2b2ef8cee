import type { Resolvers } from '../../generated/graphql.ts';
import { deleteUser, listUsers } from './users-service.ts';
import { toProfileView } from '../profiles/profile-view.ts';
import { emptyProfile } from '../profiles/profile-store.ts';

export const usersResolvers: Resolvers = {
  Query: {
    user: (_, { id }, { services }) => services.users.load(id),
    users: (_, args, { services }) => listUsers(services.db, args),
  },
  Mutation: {
    deleteUser: (_, { id }, { services }) => deleteUser(services.db, id, { waitMs: services.env.DATABASE_STATEMENT_TIMEOUT_MS }),
  },
  User: {
    profile: async (user, _, { loaders, services }) => {
      // Read with the user already (user(id)), or batched per request (lists).
      const row = (user.profile !== undefined ? user.profile : await loaders.profileByUserId.load(user.id)) ?? emptyProfile(user.id, user.createdAt);
      return toProfileView(row, services.now(), services.portrait, user.age);
    },
  },
  UserConnection: {
    totalCount: (page) => page.totalCount(),
  },
};
