// An audience's rule: a tree of all / any / not / condition nodes (exactly one per node), checked against the field
// registry. Every problem is a BAD_USER_INPUT naming its place in the tree, e.g. `rule.all[2].condition.value`.
// The parsed rule is what is stored (audiences.rule) and what the compiler reads; stored rules are parsed again on
// the way out of the database, by the same code.
import { z } from 'zod';
import type { ConditionOp } from '../../generated/graphql.ts';
import { badInput } from '../../errors.ts';
import { checkText } from '../users/check-text.ts';
import { isUuid } from '../../db/uuid.ts';
import { normaliseCategory } from '../../config/portrait-config.ts';
import { InvalidJson } from '../events/loose-fields.ts';
import { FIELD_NAMES, FIELDS, type FieldKind } from './fields.ts';

export type Scalar = number | string;
export interface Condition {
  field: string;
  op: ConditionOp;
  /** a number or string; a list for IN / NOT_IN; for EXISTS, true (has a value) or false (has none) */
  value: Scalar | Scalar[] | boolean;
}
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | { condition: Condition };

/** Bounds on a rule, so one cannot make a statement PostgreSQL struggles to plan. */
export const RULE_LIMITS = { depth: 10, nodes: 200, listValues: 1_000, stringLength: 128 } as const;

const OPS_BY_KIND: Record<FieldKind['type'], readonly ConditionOp[]> = {
  number: ['EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'IN', 'NOT_IN', 'EXISTS'],
  category: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'EXISTS'],
  id: ['EQ', 'NEQ', 'IN', 'NOT_IN', 'EXISTS'],
  tags: ['CONTAINS', 'EXISTS'],
};
const ALL_OPS: readonly ConditionOp[] = ['EQ', 'NEQ', 'GT', 'GTE', 'LT', 'LTE', 'IN', 'NOT_IN', 'CONTAINS', 'EXISTS'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = z.number().finite();
const boundedString = z.string().min(1).max(RULE_LIMITS.stringLength);

/** What a scalar value of the kind must be, or why it is not. */
function scalar(kind: FieldKind, raw: unknown): { value: Scalar } | { problem: string } {
  switch (kind.type) {
    case 'number': {
      const r = finite.safeParse(raw);
      return r.success ? { value: r.data } : { problem: 'must be a number' };
    }
    case 'category': {
      if (typeof raw === 'string' && kind.values.includes(raw)) return { value: raw };
      return { problem: `must be one of ${kind.values.join(', ')}` };
    }
    case 'id': {
      if (typeof raw === 'string' && isUuid(raw)) return { value: raw.toLowerCase() };
      return { problem: 'must be an id (a UUID)' };
    }
    case 'tags': {
      if (kind.values) {
        if (typeof raw === 'string' && kind.values.includes(raw)) return { value: raw };
        return { problem: `must be one of ${kind.values.join(', ')}` };
      }
      const r = boundedString.safeParse(raw);
      const problem = r.success ? checkText(r.data, 'a tag') : `must be a string of 1 to ${RULE_LIMITS.stringLength} characters`;
      // tags are compared in their canonical form, as events' categories are
      return problem === null && r.success ? { value: normaliseCategory(r.data) } : { problem: problem ?? 'must be a string' };
    }
  }
}

function parseCondition(raw: unknown, path: string): Condition {
  if (!isObject(raw)) throw badInput(path, 'must be an object with field, op and value');
  const { field, op, value } = raw;
  const def = typeof field === 'string' ? FIELDS.get(field) : undefined;
  if (typeof field !== 'string' || !def) {
    throw badInput(`${path}.field`, `unknown field${typeof field === 'string' ? ` "${field.slice(0, RULE_LIMITS.stringLength)}"` : ''}; known: ${FIELD_NAMES.join(', ')}`);
  }
  if (typeof op !== 'string' || !ALL_OPS.includes(op as ConditionOp)) throw badInput(`${path}.op`, `must be one of ${ALL_OPS.join(', ')}`);
  const kind = def.kind;
  const allowed = OPS_BY_KIND[kind.type].filter((o) => o !== 'EXISTS' || kind.type === 'id' || ('nullable' in kind && kind.nullable === true));
  if (!allowed.includes(op as ConditionOp)) throw badInput(`${path}.op`, `${op} does not fit ${field}; use ${allowed.join(', ')}`);
  const valuePath = `${path}.value`;
  // the JSON scalar hands over what PostgreSQL could not store (a NUL, a lone surrogate, deep nesting) as InvalidJson
  if (value instanceof InvalidJson) throw badInput(valuePath, value.problem);
  switch (op as ConditionOp) {
    case 'EXISTS': {
      if (value === undefined || value === null) return { field, op: 'EXISTS', value: true };
      if (typeof value !== 'boolean') throw badInput(valuePath, 'must be true (has a value), false (has none) or omitted');
      return { field, op: 'EXISTS', value };
    }
    case 'IN':
    case 'NOT_IN': {
      if (!Array.isArray(value) || value.length === 0 || value.length > RULE_LIMITS.listValues) {
        throw badInput(valuePath, `must be a list of 1 to ${RULE_LIMITS.listValues} values`);
      }
      const values = value.map((v, i) => {
        const r = scalar(kind, v);
        if ('problem' in r) throw badInput(`${valuePath}[${i}]`, r.problem);
        return r.value;
      });
      return { field, op: op as ConditionOp, value: values };
    }
    default: {
      const r = scalar(kind, value);
      if ('problem' in r) throw badInput(valuePath, r.problem);
      return { field, op: op as ConditionOp, value: r.value };
    }
  }
}

const NODE_KEYS = ['all', 'any', 'not', 'condition'] as const;

/**
 * Parses a rule (a GraphQL RuleInput, or a stored rule) into its canonical form: one key per node, values checked
 * against each field's kind. Throws BAD_USER_INPUT naming the path of the first problem.
 */
export function parseRule(raw: unknown, path = 'rule'): Rule {
  let nodes = 0;
  const walk = (node: unknown, at: string, depth: number): Rule => {
    if (++nodes > RULE_LIMITS.nodes) throw badInput(at, `a rule may have at most ${RULE_LIMITS.nodes} nodes`);
    if (depth > RULE_LIMITS.depth) throw badInput(at, `a rule may nest at most ${RULE_LIMITS.depth} levels`);
    if (!isObject(node)) throw badInput(at, 'must be an object with one of all, any, not, condition');
    const present = NODE_KEYS.filter((k) => node[k] !== undefined && node[k] !== null);
    const extra = Object.keys(node).filter((k) => !(NODE_KEYS as readonly string[]).includes(k));
    if (extra.length) throw badInput(at, `unknown key(s) ${extra.join(', ')}; a node has one of all, any, not, condition`);
    if (present.length !== 1) throw badInput(at, `must have exactly one of all, any, not, condition (found ${present.length ? present.join(', ') : 'none'})`);
    const key = present[0]!;
    switch (key) {
      case 'all':
      case 'any': {
        const list = node[key];
        if (!Array.isArray(list) || list.length === 0) throw badInput(`${at}.${key}`, 'must be a list of at least one rule');
        const rules = list.map((r, i) => walk(r, `${at}.${key}[${i}]`, depth + 1));
        return key === 'all' ? { all: rules } : { any: rules };
      }
      case 'not':
        return { not: walk(node.not, `${at}.not`, depth + 1) };
      case 'condition':
        return { condition: parseCondition(node.condition, `${at}.condition`) };
    }
  };
  return walk(raw, path, 1);
}

/** The fields a rule tests. */
export function ruleFields(rule: Rule): string[] {
  if ('all' in rule) return rule.all.flatMap(ruleFields);
  if ('any' in rule) return rule.any.flatMap(ruleFields);
  if ('not' in rule) return ruleFields(rule.not);
  return [rule.condition.field];
}

/** Whether the rule's outcome can change without a profile write (see FieldDef.volatile). */
export const isVolatile = (rule: Rule): boolean => ruleFields(rule).some((f) => FIELDS.get(f)?.volatile === true);

/** Whether the rule's outcome can change when a model is activated (see FieldDef.placement). */
export const dependsOnPlacement = (rule: Rule): boolean => ruleFields(rule).some((f) => FIELDS.get(f)?.placement === true);
