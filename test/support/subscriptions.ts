// WebSocket clients for subscription tests: the graphql-ws client over `ws` (what a Node front end would use), a raw
// socket for protocol-level checks, and a collector that timestamps what a subscription receives.
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { until } from './wait.ts';

export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

/** A graphql-ws client that does not retry (a refusal must show, not be retried away). */
export function subscriptionClient(httpUrl: string, connectionParams: Record<string, unknown>): Client {
  return createClient({ url: wsUrl(httpUrl), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: true });
}

export interface Received<T> {
  data: T | null;
  errors: { message: string; extensions?: Record<string, unknown> }[] | undefined;
  /** performance.now() when the client got it */
  at: number;
}

/** Runs a subscription in the background, collecting what arrives until it completes, fails or is stopped. */
export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const items: Received<T>[] = [];
  let failure: unknown = null;
  let finished = false;
  const iterator = client.iterate<T>({ query, variables });
  const done = (async () => {
    try {
      for await (const r of iterator) {
        items.push({ data: (r.data ?? null) as T | null, errors: r.errors as Received<T>['errors'], at: performance.now() });
      }
    } catch (err) {
      failure = err;
    } finally {
      finished = true;
    }
  })();
  return {
    items,
    get failure() {
      return failure;
    },
    get finished() {
      return finished;
    },
    done,
    async waitFor(n: number, timeoutMs = 10_000) {
      await until(`${n} subscription results`, async () => items.length >= n || finished, timeoutMs);
      return items;
    },
    async stop() {
      await iterator.return?.();
      await done;
    },
  };
}

/** Opens a raw graphql-transport-ws socket, sends connection_init with `payload`, and reports how it ends or is acked. */
export function rawConnect(httpUrl: string, payload: unknown): Promise<{ acked: boolean; code: number | null; reason: string; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(httpUrl), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', ...(payload === undefined ? {} : { payload }) })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      if (message.type === 'connection_ack') resolve({ acked: true, code: null, reason: '', socket });
    });
    socket.on('close', (code, reason) => resolve({ acked: false, code, reason: String(reason), socket }));
    socket.on('error', reject);
  });
}
