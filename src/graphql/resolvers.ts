// All resolvers, merged from the domain modules.
import type { Resolvers } from '../generated/graphql.ts';
import { DateTime, JSONScalar } from './scalars.ts';
import { usersResolvers } from '../modules/users/users.resolvers.ts';
import { eventsResolvers } from '../modules/events/events.resolvers.ts';
import { importsResolvers } from '../modules/imports/imports.resolvers.ts';
import { authResolvers } from '../modules/auth/auth.resolvers.ts';
import { segmentationResolvers } from '../modules/segmentation/segmentation.resolvers.ts';
import { profilesResolvers } from '../modules/profiles/profiles.resolvers.ts';
import { schedulesResolvers } from '../modules/schedules/schedules.resolvers.ts';
import { qualityResolvers } from '../modules/quality/quality.resolvers.ts';
import { monitoringResolvers } from '../modules/monitoring/monitoring.resolvers.ts';
import { audiencesResolvers } from '../modules/audiences/audiences.resolvers.ts';
import { textResolvers } from '../modules/text/text.resolvers.ts';
import { notificationsResolvers } from '../modules/notifications/notifications.resolvers.ts';
import { webhooksResolvers } from '../modules/webhooks/webhooks.resolvers.ts';

const modules: Resolvers[] = [
  usersResolvers,
  eventsResolvers,
  importsResolvers,
  authResolvers,
  segmentationResolvers,
  profilesResolvers,
  schedulesResolvers,
  qualityResolvers,
  monitoringResolvers,
  audiencesResolvers,
  textResolvers,
  notificationsResolvers,
  webhooksResolvers,
];

export function buildResolvers(): Resolvers {
  const merged: Record<string, Record<string, unknown>> = { DateTime: DateTime as never, JSON: JSONScalar as never };
  for (const m of modules) {
    for (const [type, fields] of Object.entries(m)) {
      merged[type] = { ...(merged[type] ?? {}), ...(fields as Record<string, unknown>) };
    }
  }
  return merged as Resolvers;
}
