// Who may run what. Every root field needs a role; the check runs once per operation, before any resolver, so a
// refused request never writes anything.
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { MutationResolvers } from '../../generated/graphql.ts';
import type { Role } from '../../generated/prisma/enums.ts';
import type { Principal } from './api-keys.ts';

const RANK: Record<Role, number> = { READ: 1, INGEST: 2, ADMIN: 3 };

/** Every mutation's role; the type makes a new mutation without an entry a compile error. */
export const MUTATION_ROLES: Record<keyof MutationResolvers, Role> = {
  ingestEvents: 'INGEST',
  importUsers: 'INGEST',
  deleteUser: 'ADMIN',
  createApiKey: 'ADMIN',
  revokeApiKey: 'ADMIN',
  retrain: 'ADMIN',
  activateModel: 'ADMIN',
  runSchedule: 'ADMIN',
};

export function requiredRole(operation: OperationDefinitionNode): Role {
  if (operation.operation !== 'mutation') return 'READ';
  let role: Role = 'READ';
  for (const sel of operation.selectionSet.selections) {
    // Fragments on Mutation are rare; treat anything we cannot name as needing ADMIN.
    const needed: Role = sel.kind === Kind.FIELD ? (MUTATION_ROLES[sel.name.value as keyof MutationResolvers] ?? 'ADMIN') : 'ADMIN';
    if (RANK[needed] > RANK[role]) role = needed;
  }
  return role;
}

export const hasRole = (principal: Principal | null, role: Role) => principal !== null && RANK[principal.role] >= RANK[role];

export function authorizationPlugin<C extends { principal: Principal | null }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (!contextValue.principal) {
            throw new GraphQLError('A valid API key is required: send Authorization: Bearer <key>', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
          const role = operation ? requiredRole(operation) : 'ADMIN';
          if (!hasRole(contextValue.principal, role)) {
            throw new GraphQLError(`This operation needs the ${role} role; the key has ${contextValue.principal.role}`, {
              extensions: { code: 'FORBIDDEN', http: { status: 403 } },
            });
          }
        },
      };
    },
  };
}
