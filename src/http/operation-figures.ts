// Feeds systemHealth's rolling store: every GraphQL operation Apollo answers, with its duration and whether it failed
// (errors in the response, or refused by validation, a guardrail or authorization). Requests refused before Apollo
// (no valid key) are left out: a caller without a key must not be able to raise the error rate and trigger alerts.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { OperationRecorder } from '../modules/monitoring/operation-store.ts';
import { summarize } from './operation.ts';

export function operationFiguresPlugin(recorder: OperationRecorder): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          recorder.recordOperation(performance.now() - started, summarize(ctx).outcome !== 'success');
        },
      };
    },
  };
}
