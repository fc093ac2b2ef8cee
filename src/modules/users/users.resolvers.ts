import type { Resolvers } from '../../generated/graphql.ts';
import { deleteUser, listUsers } from './users-service.ts';
import { toProfileView, emptyProfile } from '../profiles/profile-view.ts';

export const usersResolvers: Resolvers = {
  Query: {
    user: (_, { id }, { services }) => services.db.user.findUnique({ where: { id } }),
    users: (_, args, { services }) => listUsers(services.db, args),
  },
  Mutation: {
    deleteUser: (_, { id }, { services }) => deleteUser(services.db, id),
  },
  User: {
    profile: async (user, _, { loaders, services }) => {
      const row = (await loaders.profileByUserId.load(user.id)) ?? emptyProfile(user.id, user.createdAt);
      return toProfileView(row, services.now(), services.portrait, user.age);
    },
  },
  UserConnection: {
    totalCount: (page) => page.totalCount(),
  },
};
