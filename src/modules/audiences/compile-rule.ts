// A parsed rule compiled to an SQL boolean over FIELD_SOURCE's row (aliases p, u, ps). Every value of the rule, and
// every configured number, is a bound parameter: the SQL text holds only the registry's expressions, operators and
// placeholders. Conditions are two-valued: a field the user has no value for makes its condition false (EXISTS
// false excepted), so NOT of it is true, as a reader of the rule expects.
import type { PortraitConfig } from '../../config/portrait-config.ts';
import type { FeatureSqlContext, Params } from '../profiles/profile-features-sql.ts';
import { FIELDS } from './fields.ts';
import type { Condition, Rule, Scalar } from './rule.ts';

/**
 * The fields a statement's rules read, each computed once per row, and the statement's parameters: the rules refer to
 * `f.<column>`, and the statement adds `CROSS JOIN LATERAL (SELECT <each field's expression> ... OFFSET 0) f` to
 * FIELD_SOURCE (`lateral()`). Inlined in each condition, a field several conditions test was computed once per test:
 * ten live audiences on a batch's ~80 users computed the decayed interest tags (a jsonb walk per user) three times,
 * ~2 ms of the statement's ~8 ms each. OFFSET 0 keeps PostgreSQL from folding the subquery back into its references.
 */
export class SharedFields {
  private readonly columns = new Map<string, { column: string; expr: string }>();

  /** `now`: the placeholder of the instant the rules are evaluated at */
  constructor(
    readonly params: Params,
    private readonly now: string,
    private readonly config: PortraitConfig,
  ) {}

  /** The reference to `field`'s value in the statement's row. */
  ref(field: string, sql: (ctx: FeatureSqlContext) => string): string {
    let c = this.columns.get(field);
    if (!c) {
      c = { column: `c${this.columns.size}`, expr: sql({ p: 'p', now: this.now, param: this.params.add, config: this.config }) };
      this.columns.set(field, c);
    }
    return `f.${c.column}`;
  }

  /** The join that computes the fields for FIELD_SOURCE's row (empty when no rule reads any). */
  lateral(): string {
    if (this.columns.size === 0) return '';
    return `CROSS JOIN LATERAL (SELECT ${[...this.columns.values()].map((c) => `${c.expr} AS ${c.column}`).join(', ')} OFFSET 0) f`;
  }
}

const COMPARE = { EQ: '=', NEQ: '<>', GT: '>', GTE: '>=', LT: '<', LTE: '<=' } as const;

function compileCondition(c: Condition, fields: SharedFields): string {
  const def = FIELDS.get(c.field);
  if (!def) throw new Error(`audience rule: unknown field ${c.field} (rules are parsed before they are compiled)`);
  const expr = fields.ref(c.field, def.sql);
  const { params } = fields;
  const numeric = def.kind.type === 'number';
  const one = (v: Scalar | Scalar[] | boolean) => params.add(v, numeric ? 'float8' : 'text');
  const list = (v: Scalar | Scalar[] | boolean) => params.add(v, numeric ? 'float8[]' : 'text[]');
  switch (c.op) {
    case 'EXISTS':
      return c.value === false ? `(${expr} IS NULL)` : `(${expr} IS NOT NULL)`;
    case 'IN':
      return `COALESCE(${expr} = ANY(${list(c.value)}), false)`;
    case 'NOT_IN':
      return `COALESCE(${expr} <> ALL(${list(c.value)}), false)`;
    case 'CONTAINS':
      return `COALESCE(${params.add(c.value, 'text')} = ANY(${expr}), false)`;
    default:
      return `COALESCE(${expr} ${COMPARE[c.op]} ${one(c.value)}, false)`;
  }
}

export function compileRule(rule: Rule, fields: SharedFields): string {
  if ('all' in rule) return `(${rule.all.map((r) => compileRule(r, fields)).join(' AND ')})`;
  if ('any' in rule) return `(${rule.any.map((r) => compileRule(r, fields)).join(' OR ')})`;
  if ('not' in rule) return `(NOT ${compileRule(rule.not, fields)})`;
  return compileCondition(rule.condition, fields);
}
