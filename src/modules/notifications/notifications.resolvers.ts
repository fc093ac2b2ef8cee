// Subscription.membershipChanges: the caller's stream of committed membership changes (served over WebSocket only,
// src/http/subscriptions.ts). The feed publishes each change once per process; this only registers a filtered,
// bounded queue with it.
import type { Resolvers } from '../../generated/graphql.ts';
import { badInput, PortraitError } from '../../errors.ts';
import { isUuid } from '../../db/uuid.ts';
import type { MembershipChange } from './change-hub.ts';

/** targetIds per subscription: enough for any screen, small enough that the filter stays cheap */
export const MAX_TARGET_IDS = 1_000;

/** WebSocket close code for a subscriber dropped because it read too slowly (1013 "Try Again Later"; clients retry). */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;

function checkTargetIds(targetIds: readonly string[] | null | undefined): string[] | null {
  if (targetIds === null || targetIds === undefined) return null;
  if (targetIds.length === 0) throw badInput('targetIds', 'must name at least one target, or be omitted for every target');
  if (targetIds.length > MAX_TARGET_IDS) throw badInput('targetIds', `at most ${MAX_TARGET_IDS} targets, got ${targetIds.length}`);
  const bad = targetIds.findIndex((id) => !isUuid(id));
  if (bad >= 0) throw badInput(`targetIds[${bad}]`, 'must be a segment lineage or an audience id (a UUID)');
  return [...new Set(targetIds.map((id) => id.toLowerCase()))];
}

export const notificationsResolvers: Resolvers = {
  Subscription: {
    membershipChanges: {
      subscribe: async (_, { targetIds }, { services, disconnect }) => {
        const targets = checkTargetIds(targetIds);
        if (!disconnect) throw new PortraitError('BAD_USER_INPUT', 'Subscriptions are served over WebSocket at /graphql (graphql-transport-ws)');
        const feed = services.membershipFeed;
        await feed.ready();
        const capacity = services.env.PORTRAIT_SUBSCRIPTION_BUFFER;
        return feed.hub.subscribe({
          targetIds: targets,
          onOverflow: (buffered) => {
            services.logger.warn({ buffered }, 'a membershipChanges subscriber read too slowly and was disconnected');
            disconnect(SLOW_CONSUMER_CLOSE_CODE, `Subscriber too slow: more than ${capacity} changes were waiting`);
          },
        });
      },
      resolve: (change: MembershipChange) => change,
    },
  },
};
