// A local HTTP server in the test that stands in for an OpenAI-compatible endpoint: each request's JSON body is read
// whole and handed to `answer`, which writes the response or leaves it hanging (a server that never answers); close()
// drops the hanging ones.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubServer {
  /** http://127.0.0.1:<port>/v1 */
  baseUrl: string;
  close(): Promise<void>;
}

/** `answer` returns false to leave the request hanging. */
export async function startStubServer(answer: (req: IncomingMessage, body: unknown, res: ServerResponse) => boolean): Promise<StubServer> {
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!answer(req, JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown, res)) hanging.add(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Answers with a JSON error body and the status (and a Retry-After when given). */
export function answerStatus(res: ServerResponse, status: number, retryAfter?: string): void {
  res.writeHead(status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
  res.end(JSON.stringify({ error: { message: `status ${status}` } }));
}
