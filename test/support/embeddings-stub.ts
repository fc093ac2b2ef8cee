// A local HTTP server in the test that speaks the OpenAI embeddings shape (POST /v1/embeddings): each request is
// answered by the current mode, every request is recorded. Vectors are a deterministic function of the text
// (stubVector), so a test can recompute what a review's embedding must be.
import { answerStatus, startStubServer } from './stub-server.ts';

export const STUB_DIM = 8;

/** The stub's vector for a text: character codes folded into STUB_DIM buckets. */
export function stubVector(text: string, dim = STUB_DIM): number[] {
  const v = new Array<number>(dim).fill(0);
  for (let i = 0; i < text.length; i++) v[(text.codePointAt(i)! + i) % dim]! += ((text.codePointAt(i)! % 7) - 3) / 10;
  return v.map((x) => Math.round(x * 1000) / 1000);
}

export type StubMode =
  | { kind: 'ok'; shuffle?: boolean; badFor?: string }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'raw'; body: string };

export interface EmbeddingsRequest {
  model: string;
  input: string[];
  dimensions?: number;
}

export interface EmbeddingsStub {
  baseUrl: string;
  requests: EmbeddingsRequest[];
  /** the replies for the next requests, in order; the last one stays */
  script(...modes: StubMode[]): void;
  close(): Promise<void>;
}

export async function startEmbeddingsStub(): Promise<EmbeddingsStub> {
  const requests: EmbeddingsRequest[] = [];
  let modes: StubMode[] = [{ kind: 'ok' }];
  let served = 0;
  const server = await startStubServer((_req, raw, res) => {
    const body = raw as EmbeddingsRequest;
    requests.push(body);
    const mode = modes[Math.min(served++, modes.length - 1)]!;
    if (mode.kind === 'hang') return false;
    if (mode.kind === 'status') {
      answerStatus(res, mode.status, mode.retryAfter);
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (mode.kind === 'raw') {
      res.end(mode.body);
      return true;
    }
    // an input containing `badFor` gets a vector of another dimension: an answer that can never be used
    const data = body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: mode.badFor !== undefined && text.includes(mode.badFor) ? stubVector(text, STUB_DIM + 1) : stubVector(text),
    }));
    if (mode.shuffle) data.reverse();
    res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
    return true;
  });
  return {
    baseUrl: server.baseUrl,
    requests,
    script(...m) {
      modes = m;
      served = 0;
    },
    close: () => server.close(),
  };
}
