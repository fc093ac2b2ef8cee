import type { Resolvers } from '../../generated/graphql.ts';
import { webhookSettings } from '../../config/env.ts';
import { createWebhook, deleteWebhook, listWebhooks } from './webhooks-service.ts';
import { checkPageSize } from '../users/users-service.ts';

export const webhooksResolvers: Resolvers = {
  Query: {
    webhooks: (_, __, { services }) => listWebhooks(services.db),
  },
  Mutation: {
    createWebhook: (_, { input }, { services }) => createWebhook(services.db, input, webhookSettings(services.env)),
    deleteWebhook: (_, { id }, { services }) => deleteWebhook(services.db, id),
  },
  Webhook: {
    deliveries: (hook, { first, status }, { loaders }) => loaders.webhookDeliveries(checkPageSize(first, 'first'), status ?? null).load(hook.id),
  },
};
