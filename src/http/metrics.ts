// Prometheus metrics (prom-client, a registry per server): GraphQL requests by operation and outcome, their latency,
// errors by code, ingested events and imported users, HTTP responses by route, and Node's default process metrics.
//
// Ingestion counts come from what the ingestEvents / importUsers resolvers returned (Apollo's willResolveField on
// mutations only), so they are exact whatever the client selected or aliased, and reads pay nothing for them.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { errorCode, summarize } from './operation.ts';

/** Distinct operation names kept as labels; later new names are counted under '(other)'. */
const MAX_OPERATION_LABELS = 200;

/** The operation label of requests refused before their document was read (no valid API key). */
export const NOT_PARSED = '(not parsed)';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics {
  registry: Registry;
  plugin: ApolloServerPlugin<BaseContext>;
  /** counts one HTTP response (server.ts calls it from fastify's onResponse hook) */
  observeHttp(route: string, method: string, status: number): void;
  /** counts a GraphQL request refused before Apollo saw it (no valid key), as a rejected request with its error code */
  observeRefusal(code: string): void;
}

interface IngestLike {
  accepted: number;
  duplicates: number;
  rejected: { code: string }[];
}
interface ImportLike {
  imported: number;
  updated: number;
  rejected: { code: string }[];
}

function hasRejected(v: object): v is { rejected: { code: string }[] } {
  return 'rejected' in v && Array.isArray(v.rejected);
}
function isIngestResult(v: unknown): v is IngestLike {
  return typeof v === 'object' && v !== null && 'accepted' in v && typeof v.accepted === 'number' && 'duplicates' in v && typeof v.duplicates === 'number' && hasRejected(v);
}
function isImportResult(v: unknown): v is ImportLike {
  return typeof v === 'object' && v !== null && 'imported' in v && typeof v.imported === 'number' && 'updated' in v && typeof v.updated === 'number' && hasRejected(v);
}

function countByCode(rejected: { code: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of rejected) {
    const code = errorCode(r.code);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return counts;
}

export function createMetrics(opts: { prefix?: string; defaultMetrics?: boolean } = {}): Metrics {
  const prefix = opts.prefix ?? 'portrait_';
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: `${prefix}graphql_requests_total`,
    help: 'GraphQL requests by operation name, operation type and outcome (success, error, rejected)',
    labelNames: ['operation', 'type', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: `${prefix}graphql_request_duration_seconds`,
    help: 'GraphQL request processing time (parse, validate, execute), by operation name and type',
    labelNames: ['operation', 'type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: `${prefix}graphql_errors_total`,
    help: 'Errors sent in GraphQL responses, by extensions.code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const events = new Counter({
    name: `${prefix}ingest_events_total`,
    help: 'Events received by ingestEvents, by outcome (accepted, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const eventRejects = new Counter({
    name: `${prefix}ingest_rejected_events_total`,
    help: 'Events rejected by ingestEvents, by reject code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const users = new Counter({
    name: `${prefix}import_users_total`,
    help: 'Rows received by importUsers, by outcome (imported, updated, rejected)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const userRejects = new Counter({
    name: `${prefix}import_rejected_users_total`,
    help: 'Rows rejected by importUsers, by reject code',
    labelNames: ['code'] as const,
    registers: [registry],
  });
  const http = new Counter({
    name: `${prefix}http_responses_total`,
    help: 'HTTP responses by route, method and status (includes requests refused before GraphQL, e.g. 413)',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  // Pre-create the outcome series so dashboards see zeros rather than gaps.
  for (const outcome of ['accepted', 'duplicate', 'rejected']) events.labels(outcome).inc(0);
  for (const outcome of ['imported', 'updated', 'rejected']) users.labels(outcome).inc(0);

  const knownOperations = new Set<string>();
  const operationLabel = (name: string): string => {
    if (knownOperations.has(name)) return name;
    if (knownOperations.size >= MAX_OPERATION_LABELS) return '(other)';
    knownOperations.add(name);
    return name;
  };

  const countIngest = (result: unknown) => {
    if (!isIngestResult(result)) return;
    events.labels('accepted').inc(result.accepted);
    events.labels('duplicate').inc(result.duplicates);
    events.labels('rejected').inc(result.rejected.length);
    for (const [code, n] of countByCode(result.rejected)) eventRejects.labels(code).inc(n);
  };
  const countImport = (result: unknown) => {
    if (!isImportResult(result)) return;
    users.labels('imported').inc(result.imported);
    users.labels('updated').inc(result.updated);
    users.labels('rejected').inc(result.rejected.length);
    for (const [code, n] of countByCode(result.rejected)) userRejects.labels(code).inc(n);
  };

  const plugin: ApolloServerPlugin<BaseContext> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async executionDidStart({ operation }) {
          if (operation?.operation !== 'mutation') return;
          return {
            willResolveField({ info }) {
              if (info.parentType.name !== 'Mutation') return;
              if (info.fieldName === 'ingestEvents') return (error, result) => {
                  if (!error) countIngest(result);
                };
              if (info.fieldName === 'importUsers') return (error, result) => {
                  if (!error) countImport(result);
                };
              return;
            },
          };
        },
        async willSendResponse(ctx) {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const s = summarize(ctx);
          const operation = operationLabel(s.operation);
          requests.labels(operation, s.type, s.outcome).inc();
          duration.labels(operation, s.type).observe(seconds);
          for (const code of s.errorCodes) errors.labels(code).inc();
        },
      };
    },
  };

  return {
    registry,
    plugin,
    observeHttp(route, method, status) {
      http.labels(route, method, String(status)).inc();
    },
    observeRefusal(code) {
      requests.labels(NOT_PARSED, 'unknown', 'rejected').inc();
      errors.labels(errorCode(code)).inc();
    },
  };
}
