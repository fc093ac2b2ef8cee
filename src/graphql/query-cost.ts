// The query cost limit, computed once the variables are known (armor's cost rule runs during validation, which never
// sees variables, so `users(first: $n)` used to cost as if n were 1).
//
// Cost (armor's formula, with the page sizes that will really be used): a leaf field costs 1; a field with a
// selection costs 2 plus 1.5 x the cost of its selection; a field with a `first` (or `last`) argument multiplies its
// whole cost by that page size: the literal, the coerced variable, or the argument's default in the schema.
// A page size above the largest page a field serves counts as that largest page: the field itself refuses it with a
// BAD_USER_INPUT that names the limit, a clearer answer than a cost figure.
// Fragments count as if their fields were written in place (each fragment is costed once and reused, so fragments
// spread many times cannot make the computation itself expensive). `__schema` (GraphiQL's introspection) costs 0.
//
// The check runs in an Apollo plugin's didResolveOperation, after validation and before any resolver, with the
// variables coerced as execution will coerce them (variables that do not coerce are refused by execution itself).
import {
  getNamedType,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isInputObjectType,
  isInputType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  typeFromAST,
  valueFromAST,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  type VariableDefinitionNode,
} from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

const SCALAR_COST = 1;
const OBJECT_COST = 2;
const DEPTH_FACTOR = 1.5;
const PAGE_ARGUMENTS = new Set(['first', 'last']);

interface QueryCost {
  cost: number;
  /** the most deeply multiplied list: its path and the page sizes that multiply it (outermost first) */
  costliestList: { path: string; pageSizes: number[] } | null;
  /** whether a page size came from a variable: if not, the cost is the document's whatever the variables */
  readsVariables: boolean;
}

type Variables = Record<string, unknown>;

function fieldDefinition(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

const hasVariable = (node: ValueNode): boolean =>
  node.kind === Kind.VARIABLE ||
  (node.kind === Kind.LIST && node.values.some(hasVariable)) ||
  (node.kind === Kind.OBJECT && node.fields.some((f) => hasVariable(f.value)));

/**
 * The page size a field asks for (at most maxPageSize), or 1 when it takes no page argument (or a null one).
 * `onVariable` is called when the size depends on a variable.
 */
function pageSize(
  node: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  variables: Variables,
  maxPageSize: number,
  onVariable: () => void,
): number {
  for (const argument of definition?.args ?? []) {
    if (!PAGE_ARGUMENTS.has(argument.name)) continue;
    const given = node.arguments?.find((a) => a.name.value === argument.name);
    if (given && hasVariable(given.value)) onVariable();
    const value = given ? valueFromAST(given.value, argument.type, variables) : argument.defaultValue;
    if (typeof value === 'number' && Number.isFinite(value) && value > 1) return Math.min(value, maxPageSize);
  }
  return 1;
}

function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  maxPageSize = Number.POSITIVE_INFINITY,
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const fragmentCosts = new Map<string, number>();
  let costliestList: QueryCost['costliestList'] = null;
  let readsVariables = false;
  const onVariable = () => {
    readsVariables = true;
  };
  const product = (sizes: number[]) => sizes.reduce((a, b) => a * b, 1);

  const selectionCost = (set: SelectionSetNode, parent: GraphQLCompositeType, path: string, sizes: number[]): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__schema') continue;
        if (!selection.selectionSet) {
          total += SCALAR_COST;
          continue;
        }
        const definition = fieldDefinition(parent, name);
        const childType = definition ? getNamedType(definition.type) : undefined;
        if (!childType || !isCompositeType(childType)) continue; // validation has refused such documents already
        const size = pageSize(selection, definition, variables, maxPageSize, onVariable);
        const key = selection.alias?.value ?? name; // the response key, which tells aliased copies apart
        const fieldPath = path ? `${path}.${key}` : key;
        const fieldSizes = size > 1 ? [...sizes, size] : sizes;
        if (size > 1 && (!costliestList || product(fieldSizes) > product(costliestList.pageSizes))) {
          costliestList = { path: fieldPath, pageSizes: fieldSizes };
        }
        total += size * (OBJECT_COST + DEPTH_FACTOR * selectionCost(selection.selectionSet, childType, fieldPath, fieldSizes));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typed = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        total += selectionCost(selection.selectionSet, typed && isCompositeType(typed) ? typed : parent, path, sizes);
      } else {
        const name = selection.name.value;
        const known = fragmentCosts.get(name);
        if (known !== undefined) {
          total += known;
          continue;
        }
        const fragment = fragments.get(name);
        const typed = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (!fragment || !typed || !isCompositeType(typed)) continue;
        // Validation has refused fragment cycles, so this recursion ends; the cost is remembered for later spreads.
        const cost = selectionCost(fragment.selectionSet, typed, path, sizes);
        fragmentCosts.set(name, cost);
        total += cost;
      }
    }
    return total;
  };

  const root = schema.getRootType(operation.operation);
  const cost = root ? selectionCost(operation.selectionSet, root, '', []) : 0;
  return { cost: Math.round(cost), costliestList, readsVariables };
}

const format = (n: number) => n.toLocaleString('en-US');

function costMessage(limit: number, found: QueryCost): string {
  const head = `Query cost ${format(found.cost)} exceeds the limit of ${format(limit)}.`;
  const list = found.costliestList;
  if (!list) return `${head} Select fewer fields.`;
  const sizes = list.pageSizes.map((n) => `first: ${format(n)}`).join(' inside ');
  return `${head} The costliest list is ${list.path} (${sizes}, up to ${format(list.pageSizes.reduce((a, b) => a * b, 1))} items): ask for smaller pages (first) there, or fewer fields per item.`;
}

/**
 * How deep variables may nest through input objects and lists. graphql-js coerces those recursively, so a recursive
 * input type (RuleInput) sent 20,000 levels deep would overflow the stack, here and in execution; deeper than any valid
 * input (a rule nests at most 10 levels) is refused first. JSON scalar values (event properties) do not count: their
 * scalar checks them without recursion (src/modules/events/loose-fields.ts checkJson).
 */
export const MAX_VARIABLES_DEPTH = 64;

/** Whether a variable's value nests deeper than `limit` input objects and lists (walked with an explicit stack). */
function inputNestsDeeper(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[], variables: Record<string, unknown>, limit: number): boolean {
  const stack: { v: unknown; type: GraphQLInputType; depth: number }[] = [];
  for (const definition of definitions) {
    const type = typeFromAST(schema, definition.type);
    if (type && isInputType(type)) stack.push({ v: variables[definition.variable.name.value], type, depth: 0 });
  }
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { v, depth } = top;
    if (v === null || typeof v !== 'object') continue;
    const type = isNonNullType(top.type) ? top.type.ofType : top.type;
    if (isListType(type)) {
      if (depth >= limit) return true;
      // a single value stands for a list of one, as graphql-js coerces it
      for (const item of Array.isArray(v) ? v : [v]) stack.push({ v: item, type: type.ofType, depth: depth + 1 });
    } else if (isInputObjectType(type)) {
      if (depth >= limit) return true;
      const fields = type.getFields();
      for (const [name, item] of Object.entries(v)) {
        const field = fields[name];
        if (field) stack.push({ v: item, type: field.type, depth: depth + 1 });
      }
    }
  }
  return false;
}

/**
 * The variables a page size can come from: those of a scalar type (`first` and `last` are Int). Lists and input objects
 * are left to execution, which coerces them anyway: coercing an ingest batch of 10,000 events here as well doubled
 * graphql-js's share of the ingest's CPU (bench/ingest.bench.ts --profile).
 */
function scalarDefinitions(schema: GraphQLSchema, definitions: readonly VariableDefinitionNode[]): VariableDefinitionNode[] {
  return definitions.filter((d) => {
    const type = typeFromAST(schema, d.type);
    return type !== undefined && isLeafType(isNonNullType(type) ? type.ofType : type);
  });
}

/**
 * Operations known to be within a cost limit whatever their variables (no page size comes from a variable), by the
 * largest page size they were costed with. Apollo keeps each parsed document (and so its operation nodes) across
 * requests, so a query sent again (user(id) with another id) skips the coercion and the walk: they were most of this
 * check's cost per request. Only costs within the limit are kept, so a refusal is worked out afresh each time, with
 * the same precedence as before (variables that do not coerce are left to execution).
 */
const withinLimit = new WeakMap<OperationDefinitionNode, { maxCost: number; maxPageSize: number }>();

/**
 * Refuses an operation whose variables nest too deep (BAD_USER_INPUT) or whose cost exceeds maxCost
 * (GRAPHQL_VALIDATION_FAILED): for HTTP requests in the plugin below, for WebSocket subscriptions in
 * src/http/subscriptions.ts.
 */
export function checkOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Variables,
  limits: { maxCost: number; maxPageSize: number },
): void {
  if (inputNestsDeeper(schema, operation.variableDefinitions ?? [], variables, MAX_VARIABLES_DEPTH)) {
    throw new GraphQLError(`Variables nest deeper than ${MAX_VARIABLES_DEPTH} levels of input objects and lists.`, {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
  const known = withinLimit.get(operation);
  if (known && known.maxCost === limits.maxCost && known.maxPageSize === limits.maxPageSize) return;
  const coerced = getVariableValues(schema, scalarDefinitions(schema, operation.variableDefinitions ?? []), variables, { maxErrors: 1 });
  if (coerced.errors) return; // execution refuses them with BAD_USER_INPUT before any resolver runs
  const found = queryCost(schema, document, operation, coerced.coerced, limits.maxPageSize);
  if (found.cost <= limits.maxCost) {
    if (!found.readsVariables) withinLimit.set(operation, { maxCost: limits.maxCost, maxPageSize: limits.maxPageSize });
    return;
  }
  throw new GraphQLError(costMessage(limits.maxCost, found), {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 }, cost: found.cost, maxCost: limits.maxCost },
  });
}

export function costLimitPlugin(maxCost: number, maxPageSize: number): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return; // refused by the operation-resolution plugin
          checkOperationLimits(schema, document, operation, request.variables ?? {}, { maxCost, maxPageSize });
        },
      };
    },
  };
}
