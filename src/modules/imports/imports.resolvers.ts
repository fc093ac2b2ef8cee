import type { Resolvers } from '../../generated/graphql.ts';
import { importUsers } from './import-users.ts';
import { liveAssignment } from '../segmentation/assignment.ts';

export const importsResolvers: Resolvers = {
  Mutation: {
    importUsers: (_, { users }, { services }) =>
      importUsers(services.db, users, {
        now: services.now(),
        afterProfilesChanged: liveAssignment(services.activeModels, services.portrait, services.now),
      }),
  },
};
