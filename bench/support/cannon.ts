// autocannon against the service: POSTs to /graphql with the bench key, using the given bodies in turn (one body:
// every request the same). Latency percentiles come from every response's own time, not autocannon's 1-ms histogram.
import autocannon from 'autocannon';
import type { CpuMeter, CpuUse } from './cpu.ts';
import { BENCH_ADMIN_KEY } from './gql.ts';
import { percentile } from './table.ts';

export interface CannonResult {
  requestsPerS: number;
  /** 2xx responses */
  total: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** non-2xx, connection errors, timeouts and bodies with GraphQL errors */
  bad: number;
  cpu: CpuUse;
}

export async function cannon(opts: { url: string; bodies: readonly Buffer[]; durationS: number; connections: number; meter: CpuMeter }): Promise<CannonResult> {
  const { bodies } = opts;
  let next = 0;
  const latencies: number[] = [];
  const cpu0 = opts.meter.snapshot();
  const result = await new Promise<autocannon.Result>((resolveRun, rejectRun) => {
    const instance = autocannon(
      {
        url: opts.url,
        method: 'POST',
        connections: opts.connections,
        duration: opts.durationS,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${BENCH_ADMIN_KEY}` },
        body: bodies[0]!,
        requests: bodies.length > 1 ? [{ setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }) }] : undefined,
        // a GraphQL error still comes with HTTP 200: count those as mismatches
        verifyBody: (body) => typeof body === 'string' && !body.includes('"errors"'),
      },
      (err, res) => (err ? rejectRun(err) : resolveRun(res)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const cpu = opts.meter.since(cpu0);
  return {
    requestsPerS: result['2xx'] / result.duration,
    total: result['2xx'],
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    max: latencies.length ? Math.max(...latencies) : NaN,
    bad: result.non2xx + result.errors + result.timeouts + result.mismatches,
    cpu,
  };
}
