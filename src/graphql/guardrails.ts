// Query guardrails: limits that refuse hostile documents before any resolver runs.
//
// - Tokens: graphql-js's own parser limit (Apollo `parseOptions.maxTokens`), so a huge document is refused while it is
//   being parsed, before the (partly quadratic) validation rules see it. A refusal is GRAPHQL_PARSE_FAILED.
//   Only the document counts: send large batches (up to 10,000 events) as variables, as every client library does.
// - Depth, aliases and directives: graphql-armor validation rules. A refusal is GRAPHQL_VALIDATION_FAILED with HTTP 400
//   (Apollo wraps every validation error so); armor's "Syntax Error: " prefix is dropped, as these are not syntax errors.
// - Cost: computed with the variables once the operation is resolved (query-cost.ts), because a validation rule never
//   sees variables and `first: $n` must count as n. Also GRAPHQL_VALIDATION_FAILED, 400, and the message says which
//   list to shrink.
// - Operation types the schema lacks are refused by validation (operation-resolution.ts). Subscriptions (WebSocket,
//   src/http/subscriptions.ts) get the same token limit, validation rules, cost and variables-depth checks.
// - Field suggestions ("Did you mean ...?") are masked in production, so the schema cannot be guessed field by field.
// - Request body size (32 MB, enough for 10,000 events) is fastify's bodyLimit in server.ts; page sizes are capped in
//   the users service (500).
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError, type ParseOptions, type ValidationRule } from 'graphql';
import { costLimitPlugin } from './query-cost.ts';
import { KnownOperationTypesRule } from './operation-resolution.ts';
import { MAX_PAGE_SIZE } from '../modules/users/users-service.ts';

interface GuardrailLimits {
  /** nesting of selection sets, introspection (`__schema`) excluded */
  maxDepth: number;
  /** aliased fields per operation (`__typename` excluded) */
  maxAliases: number;
  /** directives per operation */
  maxDirectives: number;
  /**
   * query-cost.ts: a leaf costs 1, an object 2, each level down multiplies by 1.5, and `first: N` multiplies its
   * subtree by N, whether N is a literal, a variable or the schema's default. One page of 500 users with every profile
   * field costs about 78,000; a list of 500 nested in another list of 500 costs tens of millions and is refused.
   */
  maxCost: number;
  /** lexical tokens in the document (variables are not counted) */
  maxTokens: number;
}

export const DEFAULT_LIMITS: Readonly<GuardrailLimits> = Object.freeze({
  maxDepth: 10,
  maxAliases: 15,
  maxDirectives: 20,
  maxCost: 250_000,
  maxTokens: 5_000,
});

interface Guardrails {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
  limits: GuardrailLimits;
}

/**
 * armor throws its refusals as "Syntax Error: ..."; these report them through the validation context instead, without
 * the prefix, so every violated limit is listed (not only the first) and none reads as a parse failure.
 */
const reportCleanly: GraphQLArmorRejectCallback = (context, error) => {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, '')));
};
const asValidationError = { onReject: [reportCleanly], propagateOnRejection: false };

export function createGuardrails(opts: { production: boolean; limits?: Partial<GuardrailLimits> }): Guardrails {
  const limits: GuardrailLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true, ...asValidationError },
    maxAliases: { n: limits.maxAliases, exposeLimits: true, ...asValidationError },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true, ...asValidationError },
    // replaced by query-cost.ts, which sees the variables
    costLimit: { enabled: false },
    // armor's token plugin parses every document a second time and reports through Apollo's "unexpected error" path;
    // graphql-js counts tokens in the one parse Apollo does anyway (parseOptions below).
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: opts.production },
  });
  const { plugins, validationRules } = armor.protect();
  // armor's typings see @apollo/server's CommonJS declarations and ours the ESM ones: the same plugin objects, but
  // TypeScript keeps the two HeaderMap classes apart (a private field), so the plugins need this cast.
  return {
    plugins: [...(plugins as unknown as ApolloServerPlugin<BaseContext>[]), costLimitPlugin(limits.maxCost, MAX_PAGE_SIZE)],
    validationRules: [KnownOperationTypesRule, ...validationRules],
    parseOptions: { maxTokens: limits.maxTokens },
    limits,
  };
}
