// A minimal GraphQL-over-HTTP client for the benchmarks. Every request carries the bench admin key.

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

/** POSTs a pre-serialised body; throws on a non-2xx status or GraphQL errors. */
export async function postGraphQL<T>(url: string, body: string): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: authHeaders, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${url}: ${text.slice(0, 500)}`);
  const parsed = JSON.parse(text) as GraphQLResponse<T>;
  if (parsed.errors?.length || !parsed.data) throw new Error(`GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  return parsed.data;
}

export const gqlBody = (query: string, variables?: Record<string, unknown>) => JSON.stringify({ query, variables });
