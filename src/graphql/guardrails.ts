// Query guardrails: limits that refuse hostile documents before any resolver runs.
//
// - Tokens: graphql-js's own parser limit (Apollo `parseOptions.maxTokens`), so a huge document is refused while it is
//   being parsed, before the (partly quadratic) validation rules see it. A refusal is GRAPHQL_PARSE_FAILED.
//   Only the document counts: send large batches (up to 10,000 events) as variables, as every client library does.
// - Depth, aliases, directives and cost: graphql-armor validation rules. A refusal is GRAPHQL_VALIDATION_FAILED
//   (armor reports BAD_USER_INPUT; Apollo wraps every validation error with GRAPHQL_VALIDATION_FAILED and HTTP 400).
// - Field suggestions ("Did you mean ...?") are masked in production, so the schema cannot be guessed field by field.
// - Request body size (32 MB, enough for 10,000 events) is fastify's bodyLimit in server.ts; page sizes are capped in
//   the users service (500).
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ParseOptions, ValidationRule } from 'graphql';

export interface GuardrailLimits {
  /** nesting of selection sets, introspection (`__schema`) excluded */
  maxDepth: number;
  /** aliased fields per operation (`__typename` excluded) */
  maxAliases: number;
  /** directives per operation */
  maxDirectives: number;
  /**
   * armor's static cost: a leaf costs 1, an object 2, each level down multiplies by 1.5, and a literal `first: N`
   * multiplies its subtree by N (a `first` passed as a variable or left to its default does not). One page of 500
   * users with every profile field costs about 78,000; a list of 500 nested in another list of 500 costs tens of
   * millions and is refused.
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

export interface Guardrails {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
  limits: GuardrailLimits;
}

export function createGuardrails(opts: { production: boolean; limits?: Partial<GuardrailLimits> }): Guardrails {
  const limits: GuardrailLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, exposeLimits: true },
    // armor's token plugin parses every document a second time and reports through Apollo's "unexpected error" path;
    // graphql-js counts tokens in the one parse Apollo does anyway (parseOptions below).
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: opts.production },
  });
  const { plugins, validationRules } = armor.protect();
  // armor's typings see @apollo/server's CommonJS declarations and ours the ESM ones: the same plugin objects, but
  // TypeScript keeps the two HeaderMap classes apart (a private field), so the plugins need this cast.
  return { plugins: plugins as unknown as ApolloServerPlugin<BaseContext>[], validationRules, parseOptions: { maxTokens: limits.maxTokens }, limits };
}
