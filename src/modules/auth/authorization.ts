// Who may run what. Every root field needs a role; the check runs once per operation, before any resolver, so a
// refused request never writes anything. Authentication itself happened earlier, before the document was parsed
// (src/http/graphql-auth.ts): every request that gets here has a principal.
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { MutationResolvers, QueryResolvers, SubscriptionResolvers } from '../../generated/graphql.ts';
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
  renameSegments: 'ADMIN',
  runSchedule: 'ADMIN',
  createAudience: 'ADMIN',
  updateAudience: 'ADMIN',
  deleteAudience: 'ADMIN',
  createWebhook: 'ADMIN',
  deleteWebhook: 'ADMIN',
};

/** Queries need READ, except these. */
const QUERY_ROLES: Partial<Record<keyof QueryResolvers, Role>> = {
  apiKeys: 'ADMIN',
  webhooks: 'ADMIN',
};

/** Every subscription's role (served over WebSocket, src/http/subscriptions.ts); a new one without an entry does not compile. */
const SUBSCRIPTION_ROLES: Record<keyof SubscriptionResolvers, Role> = {
  membershipChanges: 'READ',
};

/** The root field names of an operation, looking through inline fragments and fragment spreads. */
function rootFields(selections: readonly SelectionNode[], document: DocumentNode, seen = new Set<string>()): string[] {
  return selections.flatMap((sel) => {
    if (sel.kind === Kind.FIELD) return [sel.name.value];
    if (sel.kind === Kind.INLINE_FRAGMENT) return rootFields(sel.selectionSet.selections, document, seen);
    const name = sel.name.value;
    if (seen.has(name)) return [];
    seen.add(name);
    const fragment = document.definitions.find((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === name);
    return fragment ? rootFields(fragment.selectionSet.selections, document, seen) : [];
  });
}

function fieldRole(operation: OperationDefinitionNode, field: string): Role {
  switch (operation.operation) {
    case 'mutation':
      return MUTATION_ROLES[field as keyof MutationResolvers] ?? 'ADMIN';
    case 'subscription':
      return SUBSCRIPTION_ROLES[field as keyof SubscriptionResolvers] ?? 'ADMIN';
    default:
      return QUERY_ROLES[field as keyof QueryResolvers] ?? 'READ';
  }
}

// The role an operation needs depends on its document alone, and Apollo keeps each parsed document (with its
// operation nodes) across requests: a query sent again is looked up, not walked (the walk was a visible share of a
// small request's CPU, bench/user-read.bench.ts --profile).
const roles = new WeakMap<OperationDefinitionNode, Role>();

/** The highest role any root field of the operation needs (an unknown mutation or subscription field needs ADMIN). */
function requiredRole(operation: OperationDefinitionNode, document: DocumentNode): Role {
  const known = roles.get(operation);
  if (known) return known;
  let role: Role = 'READ';
  for (const field of rootFields(operation.selectionSet.selections, document)) {
    const needed = fieldRole(operation, field);
    if (RANK[needed] > RANK[role]) role = needed;
  }
  roles.set(operation, role);
  return role;
}

const hasRole = (principal: Principal, role: Role) => RANK[principal.role] >= RANK[role];

/** Refuses (FORBIDDEN, 403) an operation the principal's role is too low for. */
export function checkRole(principal: Principal, operation: OperationDefinitionNode, document: DocumentNode): void {
  const role = requiredRole(operation, document);
  if (!hasRole(principal, role)) {
    throw new GraphQLError(`This operation needs the ${role} role; the key has ${principal.role}`, {
      extensions: { code: 'FORBIDDEN', http: { status: 403 } },
    });
  }
}

export function authorizationPlugin<C extends { principal: Principal }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation, document }) {
          // No operation chosen: the operation-resolution plugin refuses the request with the reason (a role check
          // here would answer a misleading FORBIDDEN).
          if (!operation) return;
          checkRole(contextValue.principal, operation, document);
        },
      };
    },
  };
}
