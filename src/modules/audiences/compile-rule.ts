// A parsed rule compiled to an SQL boolean over FIELD_SOURCE's row (aliases p, u, ps). Every value of the rule, and
// every configured number, is a bound parameter: the SQL text holds only the registry's expressions, operators and
// placeholders. Conditions are two-valued: a field the user has no value for makes its condition false (EXISTS
// false excepted), so NOT of it is true, as a reader of the rule expects.
import type { PortraitConfig } from '../../config/portrait-config.ts';
import { Params } from '../profiles/profile-features-sql.ts';
import { FIELDS } from './fields.ts';
import type { Condition, Rule, Scalar } from './rule.ts';


interface CompileContext {
  params: Params;
  /** placeholder of the instant the rule is evaluated at */
  now: string;
  config: PortraitConfig;
}

const COMPARE = { EQ: '=', NEQ: '<>', GT: '>', GTE: '>=', LT: '<', LTE: '<=' } as const;

function compileCondition(c: Condition, ctx: CompileContext): string {
  const def = FIELDS.get(c.field);
  if (!def) throw new Error(`audience rule: unknown field ${c.field} (rules are parsed before they are compiled)`);
  const expr = def.sql({ p: 'p', now: ctx.now, param: ctx.params.add, config: ctx.config });
  const numeric = def.kind.type === 'number';
  const one = (v: Scalar | Scalar[] | boolean) => ctx.params.add(v, numeric ? 'float8' : 'text');
  const list = (v: Scalar | Scalar[] | boolean) => ctx.params.add(v, numeric ? 'float8[]' : 'text[]');
  switch (c.op) {
    case 'EXISTS':
      return c.value === false ? `(${expr} IS NULL)` : `(${expr} IS NOT NULL)`;
    case 'IN':
      return `COALESCE(${expr} = ANY(${list(c.value)}), false)`;
    case 'NOT_IN':
      return `COALESCE(${expr} <> ALL(${list(c.value)}), false)`;
    case 'CONTAINS':
      return `COALESCE(${ctx.params.add(c.value, 'text')} = ANY(${expr}), false)`;
    default:
      return `COALESCE(${expr} ${COMPARE[c.op]} ${one(c.value)}, false)`;
  }
}

export function compileRule(rule: Rule, ctx: CompileContext): string {
  if ('all' in rule) return `(${rule.all.map((r) => compileRule(r, ctx)).join(' AND ')})`;
  if ('any' in rule) return `(${rule.any.map((r) => compileRule(r, ctx)).join(' OR ')})`;
  if ('not' in rule) return `(NOT ${compileRule(rule.not, ctx)})`;
  return compileCondition(rule.condition, ctx);
}
