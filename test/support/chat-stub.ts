// A local HTTP server in the test that speaks the OpenAI chat-completions shape (POST /v1/chat/completions), so the
// language-model paths run against a real socket: each request is answered by the next scripted reply (the last one
// repeats), and every request is recorded.
import type { IncomingMessage } from 'node:http';
import { answerStatus, startStubServer } from './stub-server.ts';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: { model: string; messages: { role: string; content: string }[]; response_format?: unknown };
}

/** The segment indices and facts the namer's prompt carried (its user message is JSON). */
export interface PromptSegment {
  index: number;
  size: number;
  reviews: { count: number; examples?: string[] } | null;
  ruleBasedName: { EN: string; ZH: string };
}
export const promptSegments = (r: RecordedRequest): PromptSegment[] =>
  (JSON.parse(r.body.messages.find((m) => m.role === 'user')!.content) as { segments: PromptSegment[] }).segments;

/** What to answer one request with. */
export type Reply =
  | { kind: 'content'; content: (req: RecordedRequest) => string; before?: () => Promise<void> }
  | { kind: 'status'; status: number; body?: string; retryAfter?: string }
  | { kind: 'hang' };

/** A valid answer naming every segment of the prompt: "<prefix> <index>" / "<prefix>中文<index>". */
export function namesFor(req: RecordedRequest, prefix = 'Voice'): string {
  const strategy = (lang: string) => ({ insights: [`${lang} insight`], actions: [`${lang} action`], goals: [`${lang} goal`] });
  return JSON.stringify({
    segments: promptSegments(req).map((s) => ({
      index: s.index,
      name: { en: `${prefix} ${s.index}`, zh: `${prefix}中文${s.index}` },
      description: { en: `Segment ${s.index} of ${s.size} users, described by the model.`, zh: `模型描述的第 ${s.index} 群。` },
      strategy: { en: strategy('EN'), zh: strategy('ZH') },
    })),
  });
}

export interface ChatStub {
  baseUrl: string;
  requests: RecordedRequest[];
  /** replaces the script: request n gets replies[n] (the last one for every later request) */
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startChatStub(): Promise<ChatStub> {
  const requests: RecordedRequest[] = [];
  let replies: Reply[] = [];
  let served = 0;
  const server = await startStubServer((req, body, res) => {
    const recorded: RecordedRequest = { path: req.url ?? '', headers: req.headers, body: body as RecordedRequest['body'] };
    requests.push(recorded);
    const reply = replies[Math.min(served++, replies.length - 1)];
    if (!reply || reply.kind === 'hang') return false;
    if (reply.kind === 'status') {
      if (reply.body === undefined) answerStatus(res, reply.status, reply.retryAfter);
      else {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}) });
        res.end(reply.body);
      }
      return true;
    }
    void (reply.before?.() ?? Promise.resolve()).then(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: reply.content(recorded) }, finish_reason: 'stop' }] }));
    });
    return true;
  });
  return {
    baseUrl: server.baseUrl,
    requests,
    script(...r) {
      replies = r;
      served = 0;
      requests.length = 0;
    },
    close: () => server.close(),
  };
}
