// A local HTTP server standing in for a webhook receiver: records every request (headers and the exact body bytes)
// and answers as the test scripts it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port> */
  origin: string;
  requests: ReceivedRequest[];
  /** decides each answer (default: 200); the request is already in `requests`. A promise holds the answer back until
   * it settles (a request under way for as long as the test wants). */
  answer: (req: ReceivedRequest, index: number) => Answer | Promise<Answer>;
  /** forgets the requests received and answers 200 again (between tests) */
  reset(): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = {
    origin: '',
    requests: [],
    answer: () => ({ status: 200 }),
    reset() {
      receiver.requests.length = 0;
      receiver.answer = () => ({ status: 200 });
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = { path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.requests.push(received);
      void Promise.resolve(receiver.answer(received, receiver.requests.length - 1)).then((a) => {
        res.writeHead(a.status, a.headers ?? {});
        res.end(a.body ?? '');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Verifies X-Portrait-Signature as a receiver would: HMAC-SHA256 of the exact body with the secret, in constant time. */
export function signatureValid(req: ReceivedRequest, secret: string): boolean {
  const header = req.headers['x-portrait-signature'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(req.body).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
