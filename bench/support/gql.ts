// A minimal GraphQL-over-HTTP client for the benchmarks. Every request carries the bench admin key.
//
// node:http with a keep-alive agent, and bodies encoded to UTF-8 once (gqlBody): the load generator shares the
// machine's two cores with the service and PostgreSQL, so what it spends per request is taken from what it measures.
// fetch (undici) took ~2.5 ms of CPU per 230 KiB ingest request against ~0.5 ms for this (.exp measurements, 3 in
// flight against a server that only reads the body): at 1,000 events a request, ~2 µs per event that the service and
// PostgreSQL now get.
import http from 'node:http';
import { seconds } from './lifecycle.ts';

/** The bootstrap admin key the service child is started with (32 characters). */
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

export const authHeaders: Record<string, string> = {
  'content-type': 'application/json',
  authorization: `Bearer ${BENCH_ADMIN_KEY}`,
};

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

// keep-alive connections, as many as the benches keep in flight (and more: a free socket is reused, not a new one made)
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs a body; resolves with the status and the answer's text. */
function post(url: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...authHeaders, 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs a pre-serialised body; throws on a non-2xx status or GraphQL errors. */
export async function postGraphQL<T>(url: string, body: Buffer | string): Promise<T> {
  const { status, text } = await post(url, typeof body === 'string' ? Buffer.from(body) : body);
  if (status < 200 || status > 299) throw new Error(`HTTP ${status} from ${url}: ${text.slice(0, 500)}`);
  const parsed = JSON.parse(text) as GraphQLResponse<T>;
  if (parsed.errors?.length || !parsed.data) throw new Error(`GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  return parsed.data;
}

/** A request body, encoded once (a bench sends the same bodies many times). */
export const gqlBody = (query: string, variables?: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify({ query, variables }));

/** The ingest mutation every ingest-driving bench sends. */
const INGEST = `mutation Ingest($events: [EventInput!]!) {
  ingestEvents(events: $events) { accepted duplicates rejected { index eventId code message } }
}`;

interface IngestData {
  ingestEvents: { accepted: number; duplicates: number; rejected: { index: number; eventId: string | null; code: string; message: string }[] };
}

/** An ingestEvents request body for one batch of events, encoded once. */
export const ingestBody = (events: readonly object[]): Buffer => gqlBody(INGEST, { events });

/**
 * Sends pre-built ingest bodies with `concurrency` requests in flight (each worker takes the next body when its last
 * one is answered); throws at the first batch with a rejected event (a bench's data must all go in). Wall time in
 * seconds, per-request latency in ms, the events accepted and the duplicates reported.
 */
export async function sendIngestBatches(
  url: string,
  bodies: readonly Buffer[],
  concurrency: number,
): Promise<{ wallS: number; latencies: number[]; accepted: number; duplicates: number }> {
  let next = 0;
  const latencies: number[] = [];
  let accepted = 0;
  let duplicates = 0;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const t0 = performance.now();
      const r = await postGraphQL<IngestData>(url, bodies[i]!);
      latencies.push(performance.now() - t0);
      if (r.ingestEvents.rejected.length) throw new Error(`batch ${i}: rejected ${JSON.stringify(r.ingestEvents.rejected.slice(0, 3))}`);
      accepted += r.ingestEvents.accepted;
      duplicates += r.ingestEvents.duplicates;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { wallS: seconds(t0), latencies, accepted, duplicates };
}
