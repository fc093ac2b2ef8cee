// What one GraphQL request was and how it ended, as the metrics and the request log describe it.
// Only names and codes: never variables or the document, which can hold personal data.
import type { BaseContext, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { getOperationAST, type FormattedExecutionResult } from 'graphql';

/**
 * success: no error; error: executed with errors (data may be partial), or failed on the server (5xx);
 * rejected: refused before execution (4xx)
 */
type Outcome = 'success' | 'error' | 'rejected';

interface OperationSummary {
  /** the operation's name, '(anonymous)' when it has none, '(invalid)' when the client sent a name GraphQL forbids */
  operation: string;
  /** query, mutation, subscription, or 'unknown' when the document could not be parsed */
  type: string;
  outcome: Outcome;
  /** extensions.code of every error sent, in order */
  errorCodes: string[];
  httpStatus: number;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export function operationName(name: string | null | undefined): string {
  if (name === null || name === undefined || name === '') return '(anonymous)';
  return NAME.test(name) ? name : '(invalid)';
}

/** An error code fit for a metric label (client input never becomes a label as-is). */
export function errorCode(code: unknown): string {
  return typeof code === 'string' && CODE.test(code) ? code : 'UNKNOWN';
}

function firstResult(ctx: GraphQLRequestContextWillSendResponse<BaseContext>): FormattedExecutionResult {
  const body = ctx.response.body;
  return body.kind === 'single' ? body.singleResult : body.initialResult;
}

export function summarize(ctx: GraphQLRequestContextWillSendResponse<BaseContext>): OperationSummary {
  const result = firstResult(ctx);
  const errorCodes = (result.errors ?? []).map((e) => errorCode(e.extensions?.code));
  // Apollo leaves `data` out entirely when the request never reached execution (parse, validation, authorization);
  // an operation that failed as a whole on the server loses its `data` too, but answers 5xx (graphql-status.ts).
  const httpStatus = ctx.response.http.status ?? 200;
  const outcome: Outcome = errorCodes.length === 0 ? 'success' : 'data' in result || httpStatus >= 500 ? 'error' : 'rejected';
  // Apollo sets `operation` once the document is valid; a refused but parsed document still names its operation.
  const op = ctx.operation ?? (ctx.document ? getOperationAST(ctx.document, ctx.request.operationName) : null) ?? undefined;
  return {
    operation: operationName(op ? (op.name?.value ?? null) : ctx.request.operationName),
    type: op?.operation ?? 'unknown',
    outcome,
    errorCodes,
    httpStatus,
  };
}
