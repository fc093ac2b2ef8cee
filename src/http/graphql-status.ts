// The HTTP status of a GraphQL response: the rule of GraphQL-over-HTTP's application/graphql-response+json, applied
// whichever of the two JSON media types the client asked for.
//   - Refused before execution (no `data` in the body): 4xx naming the cause. 400 parse, validation, guardrail,
//     variable or operation-name errors; 401 no valid key; 403 the key's role is too low; 405 wrong method; 413 body
//     too large.
//   - Executed (`data` in the body): 200, even with errors: `data` holds what succeeded and each error's
//     extensions.code says what failed (BAD_USER_INPUT, NOT_FOUND, CONFLICT, ...).
//   - The server failed: 5xx, so load balancers and error-rate alerts see outages. An operation whose every root field
//     came back null because of an unexpected error (a database outage, a bug) produced no data at all: it is answered
//     as a failed request, 500 with its errors and no `data` (a body without `data` must carry a 4xx/5xx status).
//     A partly successful operation keeps its data and 200.
// Every response Apollo sends is `cache-control: no-store` (answers are per caller and change with every event), as
// Apollo's cache-control plugin said before it was turned off in server.ts, and as the refusals of graphql-response.ts say.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

const INTERNAL = 'INTERNAL_SERVER_ERROR';

export function responseStatusPlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        // Registered first among the plugins, so the request log and the metrics (also willSendResponse) see the
        // final status and body.
        async willSendResponse({ response }) {
          response.http.headers.set('cache-control', 'no-store');
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!('data' in result) || !result.errors?.some((e) => e.extensions?.code === INTERNAL)) return;
          const data = result.data;
          const nothingResolved = data === null || data === undefined || Object.values(data).every((v) => v === null);
          if (!nothingResolved) return;
          response.body = { kind: 'single', singleResult: { errors: result.errors, ...(result.extensions ? { extensions: result.extensions } : {}) } };
          response.http.status = 500;
        },
      };
    },
  };
}
