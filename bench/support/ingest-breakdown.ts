// Where one ingestEvents batch spends its time, measured in this process (no HTTP), one batch at a time:
//  - the GraphQL layer: JSON.parse of the request body, then validation and variable coercion by graphql-js on the
//    real schema and scalars, with a stub resolver;
//  - ingestEvents itself, with the service's live segment-assignment hook, on a pg.Pool whose clients time every
//    statement (BEGIN, the statements, COMMIT); what is left is JavaScript (validation, JSON.stringify, aggregates)
//    and driver work;
//  - the lock window: from the start of SELECT ... FOR UPDATE to the end of COMMIT, during which any concurrent batch
//    that shares a user waits.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { buildSchema, GraphQLScalarType, graphql } from 'graphql';
import type { EventInput } from '../../src/generated/graphql.ts';
import { ingestEvents } from '../../src/modules/events/ingest-events.ts';
import { validateEvent } from '../../src/modules/events/validate-event.ts';
import { ActiveModelCache, livePlacement } from '../../src/modules/segmentation/assignment.ts';
import { DateTime, JSONScalar } from '../../src/graphql/scalars.ts';
import { loadPortraitConfig } from '../../src/config/portrait-config.ts';
import type { BenchEvent } from './data.ts';
import { REPO_ROOT } from './service.ts';
import { fmt, median, printTable } from './table.ts';

const STEPS: [string, RegExp][] = [
  ['BEGIN', /^\s*BEGIN/i],
  ['INSERT events + new users and profiles', /INSERT INTO events/],
  ['INSERT missing profiles', /INSERT INTO profiles/],
  ['lock users FOR KEY SHARE', /FOR KEY SHARE/],
  ['SELECT profiles FOR UPDATE', /FOR UPDATE/],
  ['UPDATE profiles (unnest)', /UPDATE profiles p SET\s+sessions_count = x/],
  ['write segments (late events)', /INSERT INTO segment_placements/],
  ['recount sessions (late events)', /lag\(occurred_at\)/],
  ['placement: active model share lock', /FROM segmentation_models WHERE active/],
  ['COMMIT', /^\s*COMMIT/i],
];
const stepOf = (sql: string) => STEPS.find(([, re]) => re.test(sql))?.[0] ?? 'other statements';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function timeIt(fn: () => unknown, repeat: number): number {
  fn(); // warm
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) fn();
  return (performance.now() - t0) / repeat;
}

const INGEST = `mutation Ingest($events: [EventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates rejected { index eventId code message } }
}`;

/** graphql-js on the real schema and scalars, with a resolver that does nothing: parsing, validation, coercion. */
async function graphqlLayerMs(body: string, repeat: number): Promise<{ parseMs: number; graphqlMs: number }> {
  const schema = buildSchema(readFileSync(resolve(REPO_ROOT, 'schema.graphql'), 'utf8'));
  for (const [name, impl] of [['DateTime', DateTime], ['JSON', JSONScalar]] as const) {
    const t = schema.getType(name);
    if (t instanceof GraphQLScalarType) {
      t.parseValue = impl.parseValue;
      t.parseLiteral = impl.parseLiteral;
      t.serialize = impl.serialize;
    }
  }
  const rootValue = { ingestEvents: () => ({ accepted: 0, duplicates: 0, rejected: [] }) };
  const parseMs = timeIt(() => JSON.parse(body), repeat);
  const parsed = JSON.parse(body) as { variables: Record<string, unknown> };
  const run = () => graphql({ schema, source: INGEST, rootValue, variableValues: parsed.variables });
  await run();
  const t0 = performance.now();
  for (let i = 0; i < repeat; i++) {
    const r = await run();
    if (r.errors) throw new Error(`graphql: ${r.errors[0]?.message}`);
  }
  return { parseMs, graphqlMs: (performance.now() - t0) / repeat };
}

export interface BreakdownOptions {
  url: string;
  batches: readonly (readonly BenchEvent[])[];
  bodies: readonly Buffer[];
}

export async function ingestBreakdown({ url, batches, bodies }: BreakdownOptions): Promise<void> {
  const portrait = loadPortraitConfig(resolve(REPO_ROOT, 'config', 'portrait.json'));
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  let log: { step: string; ms: number; at: number }[] = [];
  // Every pooled client times its statements (start and duration on performance.now()'s clock).
  const timed = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (timed.has(client)) return;
    timed.add(client);
    // A statement is its text, or a config object with it (named, prepared statements).
    const query = client.query.bind(client) as (statement: string | pg.QueryConfig, values?: unknown[]) => Promise<pg.QueryResult>;
    const timedQuery = async (statement: string | pg.QueryConfig, values?: unknown[]) => {
      const at = performance.now();
      try {
        return await query(statement, values);
      } finally {
        log.push({ step: stepOf(typeof statement === 'string' ? statement : statement.text), ms: performance.now() - at, at });
      }
    };
    Object.assign(client, { query: timedQuery });
  });
  const placement = livePlacement(new ActiveModelCache(), portrait, () => new Date());
  const toInput = (e: BenchEvent): EventInput => ({ ...e, occurredAt: new Date(e.occurredAt) }) as EventInput;
  try {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    // CASCADE: every table that refers to users (history, training members, audience members) empties with them
    await c.query('TRUNCATE users, profiles, events, segment_memberships, segment_placements, training_member_chunks CASCADE');
    await c.query('CHECKPOINT');
    await c.end();

    const totals: number[] = [];
    const lockWindows: number[] = [];
    const perStep = new Map<string, number[]>();
    /** time between the end of the previous statement (or the call) and the start of this one: JavaScript */
    const gaps = new Map<string, number[]>();
    const jsOnly = { validate: [] as number[], stringify: [] as number[] };
    for (const [i, batch] of batches.entries()) {
      const inputs = batch.map(toInput);
      const now = new Date();
      jsOnly.validate.push(timeIt(() => inputs.map((e) => validateEvent(e, now, portrait.money)), 3));
      jsOnly.stringify.push(timeIt(() => JSON.stringify(inputs), 3));
      log = [];
      const t0 = performance.now();
      const started = t0;
      const r = await ingestEvents(pool, inputs, { now, interestTags: portrait.interestTags, money: portrait.money, placement });
      const total = performance.now() - t0;
      if (r.accepted !== batch.length) throw new Error(`breakdown batch ${i}: accepted ${r.accepted} of ${batch.length}`);
      if (i === 0) continue; // the first batch pays for cold caches
      totals.push(total);
      const sums = new Map<string, number>();
      for (const q of log) sums.set(q.step, (sums.get(q.step) ?? 0) + q.ms);
      for (const [step] of [...STEPS, ['other statements']] as const) {
        const list = perStep.get(step) ?? [];
        list.push(sums.get(step) ?? 0);
        perStep.set(step, list);
      }
      let prevEnd = started;
      const gapSums = new Map<string, number>();
      for (const q of log) {
        gapSums.set(q.step, (gapSums.get(q.step) ?? 0) + Math.max(0, q.at - prevEnd));
        prevEnd = q.at + q.ms;
      }
      for (const [step] of [...STEPS, ['other statements']] as const) {
        const list = gaps.get(step) ?? [];
        list.push(gapSums.get(step) ?? 0);
        gaps.set(step, list);
      }
      const lock = log.find((q) => q.step === 'SELECT profiles FOR UPDATE');
      const commit = log.findLast((q) => q.step === 'COMMIT');
      if (lock && commit) lockWindows.push(commit.at + commit.ms - lock.at);
    }
    const { parseMs, graphqlMs } = await graphqlLayerMs(bodies[0]!.toString(), 10);

    const sqlTotal = [...perStep.values()].reduce((a, xs) => a + mean(xs), 0);
    const rows: (string | number)[][] = [
      ['HTTP body JSON.parse (fastify does this)', fmt(parseMs), ''],
      ['graphql-js validate + coerce variables (stub resolver)', fmt(graphqlMs), ''],
      ['ingestEvents, total', fmt(mean(totals)), fmt(median(totals))],
    ];
    for (const [step, xs] of perStep) {
      const gap = mean(gaps.get(step) ?? []);
      if (gap >= 0.5) rows.push([`  JavaScript before ${step}`, fmt(gap), fmt(median(gaps.get(step) ?? []))]);
      if (mean(xs) > 0.05) rows.push([`  ${step}`, fmt(mean(xs)), fmt(median(xs))]);
    }
    rows.push(['  statements, sum', fmt(sqlTotal), '']);
    rows.push(['  JavaScript and driver outside statements, sum', fmt(mean(totals) - sqlTotal), '']);
    rows.push(['    of which validateEvent x batch', fmt(mean(jsOnly.validate)), '']);
    rows.push(['    of which one JSON.stringify of the batch', fmt(mean(jsOnly.stringify)), '']);
    rows.push(['lock window: FOR UPDATE start -> COMMIT end', fmt(mean(lockWindows)), fmt(median(lockWindows))]);
    console.log(`\nin-process breakdown of one ${fmt(batches[0]!.length)}-event batch (batches after a cold one, one at a time; statement times as the pg client sees them)`);
    printTable(['step', 'mean ms', 'median ms'], rows);
  } finally {
    await pool.end();
  }
}
