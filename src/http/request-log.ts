// One structured log line per GraphQL operation: name, type, outcome, duration, HTTP status and error codes.
// Never the variables or the document: they can hold personal data (user ids, amounts, review texts).
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { Logger } from '../logger.ts';
import { summarize } from './operation.ts';

interface RequestLogOptions<TContext extends BaseContext> {
  /** a non-secret identifier of the caller (e.g. the API key's id), logged as `caller` */
  caller?: (context: TContext) => string | undefined;
}

export function requestLogPlugin<TContext extends BaseContext>(logger: Logger, opts: RequestLogOptions<TContext> = {}): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(ctx) {
          if (!logger.isLevelEnabled('info')) return;
          const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
          const s = summarize(ctx);
          const caller = opts.caller?.(ctx.contextValue);
          logger.info(
            {
              operation: s.operation,
              type: s.type,
              outcome: s.outcome,
              status: s.httpStatus,
              durationMs,
              ...(s.errorCodes.length > 0 ? { errorCodes: s.errorCodes } : {}),
              ...(caller ? { caller } : {}),
            },
            'graphql request',
          );
        },
      };
    },
  };
}
