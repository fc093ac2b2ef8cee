// GraphQL subscriptions over WebSocket at /graphql: the graphql-transport-ws protocol (the `graphql-ws` library's
// server, on a `ws` server sharing fastify's HTTP server; an upgrade request to /graphql becomes a socket).
//
// - Authentication: the API key travels in connection_init's payload ({ "Authorization": "Bearer <key>" },
//   "authorization" or { "apiKey": "<key>" }), checked as the HTTP Authorization header is. No valid key: the socket is
//   closed with 4401 Unauthorized; the key store unreadable (database down): 1013 Try Again Later. Every subscribe is
//   authenticated again (a revoked key gets no new subscriptions; the cache makes this cheap), and its role checked
//   as for HTTP (membershipChanges: READ).
// - The same guardrails as HTTP: token limit while parsing, depth/alias/directive rules, cost and variables depth.
// - Only subscriptions: queries and mutations go to POST /graphql, where they are logged, measured and drained.
// - Errors are formatted by the same formatter as HTTP (domain codes kept, anything unexpected masked and logged).
// - Shutdown (fastify's preClose): every socket is closed with 1001 Going Away (terminated if it has not closed a
//   second later), then the membership feed stops.
import { WebSocketServer, type WebSocket } from 'ws';
import {
  getOperationAST,
  GraphQLError,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ExecutionResult } from 'graphql-ws';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import type { Services } from '../app/services.ts';
import { authenticate, type Principal } from '../modules/auth/api-keys.ts';
import { checkRole } from '../modules/auth/authorization.ts';
import { createContext } from '../graphql/context.ts';
import { PortraitError } from '../errors.ts';
import { checkOperationLimits } from '../graphql/query-cost.ts';

const PATH = '/graphql';
/** a subscribe message is a document (at most the token limit) and small variables */
const MAX_MESSAGE_BYTES = 1024 * 1024;
/** operations one socket may have running; more are refused for that operation */
const MAX_OPERATIONS_PER_SOCKET = 100;
/** the server pings every socket this often, and terminates one that has not answered by the next ping */
const KEEPALIVE_MS = 30_000;
const CLOSE_GRACE_MS = 1_000;
/** WebSocket close codes beyond graphql-ws's own */
const GOING_AWAY = 1001;
const TRY_AGAIN_LATER = 1013;

/** connection_init payload: the key, under any of the names browsers' and servers' clients use */
const InitPayload = z
  .object({ Authorization: z.string(), authorization: z.string(), apiKey: z.string() })
  .partial()
  .catch({});

interface SocketState {
  socket: WebSocket;
  /** the Authorization value the connection was accepted with (re-checked on every subscribe) */
  authorization: string | null;
  principal: Principal | null;
}

interface SubscriptionDeps {
  services: Services;
  schema: GraphQLSchema;
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  limits: { maxCost: number; maxPageSize: number };
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  production: boolean;
  registry: Registry;
}

const SUGGESTION = /Did you mean ".+"\?/g;

const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

export function registerSubscriptions(app: FastifyInstance, deps: SubscriptionDeps): void {
  const { services, schema } = deps;
  const logger = services.logger;
  const feed = services.membershipFeed;
  const rules = [...specifiedRules, ...deps.validationRules];
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols });
  let closing = false;

  new Gauge({
    name: 'portrait_subscriptions',
    help: 'membershipChanges subscriptions open in this process',
    registers: [deps.registry],
    collect() {
      this.set(feed.hub.size);
    },
  });
  const sockets = new Gauge({ name: 'portrait_subscription_sockets', help: 'WebSocket connections open at /graphql', registers: [deps.registry] });
  const refused = new Counter({
    name: 'portrait_subscription_refusals_total',
    help: 'WebSocket connections closed by the server before or while serving, by close code',
    labelNames: ['code'],
    registers: [deps.registry],
  });

  const format = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => {
      const formatted = deps.formatError(e.toJSON(), e);
      return deps.production ? { ...formatted, message: formatted.message.replace(SUGGESTION, '').trim() } : formatted;
    });

  const close = (state: SocketState, code: number, reason: string) => {
    refused.inc({ code: String(code) });
    state.socket.close(code, reason);
  };

  const server = makeServer<Record<string, unknown> | undefined, SocketState>({
    schema,
    async onConnect(ctx) {
      const payload = InitPayload.parse(ctx.connectionParams ?? {});
      const authorization = payload.Authorization ?? payload.authorization ?? (payload.apiKey ? `Bearer ${payload.apiKey}` : null);
      let principal: Principal | null;
      try {
        principal = authorization ? await authenticate(services.db, authorization, services.auth) : null;
      } catch (err) {
        logger.warn({ err }, 'could not check the API key of a WebSocket connection');
        close(ctx.extra, TRY_AGAIN_LATER, 'The service cannot check API keys right now; try again shortly');
        return false;
      }
      if (!principal) {
        logger.info({ outcome: 'rejected', errorCodes: ['UNAUTHENTICATED'] }, 'websocket connection refused');
        close(ctx.extra, CloseCode.Unauthorized, 'Unauthorized: send a valid API key in connection_init: { "Authorization": "Bearer <key>" }');
        return false; // graphql-ws then closes with 4403, a no-op on a socket already closing
      }
      ctx.extra.authorization = authorization;
      ctx.extra.principal = principal;
      return true;
    },
    async onSubscribe(ctx, _id, payload) {
      const state = ctx.extra;
      if (Object.keys(ctx.subscriptions).length > MAX_OPERATIONS_PER_SOCKET) {
        return [refusal(`At most ${MAX_OPERATIONS_PER_SOCKET} operations per connection`, 'BAD_REQUEST')];
      }
      let principal: Principal | null;
      try {
        principal = state.authorization ? await authenticate(services.db, state.authorization, services.auth) : null;
      } catch (err) {
        logger.warn({ err }, 'could not check the API key of a subscription');
        const unavailable = new PortraitError('SERVICE_UNAVAILABLE', 'The service cannot check API keys right now; try again shortly');
        return [new GraphQLError(unavailable.message, { originalError: unavailable })];
      }
      if (!principal) {
        close(state, CloseCode.Unauthorized, 'Unauthorized: the API key is no longer valid');
        return [refusal('The API key is no longer valid', 'UNAUTHENTICATED')];
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query, { maxTokens: deps.maxTokens });
      } catch (err) {
        return [refusal(err instanceof GraphQLError ? err.message : 'The document could not be parsed', 'GRAPHQL_PARSE_FAILED')];
      }
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) return invalid.map((e) => refusal(e.message.replace(/^Syntax Error: /, ''), 'GRAPHQL_VALIDATION_FAILED'));
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [refusal('Name the operation to run (operationName): the document has none or several', 'OPERATION_RESOLUTION_FAILURE')];
      if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
        return [refusal(`Only subscriptions are served over WebSocket; send ${operation.operation} operations with POST ${PATH}`, 'BAD_REQUEST')];
      }
      const variables = payload.variables ?? {};
      try {
        checkRole(principal, operation, document);
        checkOperationLimits(schema, document, operation, variables, deps.limits);
      } catch (err) {
        if (err instanceof GraphQLError) return [err];
        throw err;
      }
      logger.info({ operation: operation.name?.value ?? '(anonymous)', type: 'subscription', caller: principal.keyId }, 'graphql subscription');
      return {
        schema,
        document,
        operationName: payload.operationName ?? null,
        variableValues: variables,
        contextValue: { ...createContext(services, principal), disconnect: (code: number, reason: string) => close(state, code, reason) },
      };
    },
    onNext(_ctx, _id, _payload, _args, result: ExecutionResult) {
      if (!result.errors) return undefined;
      return { ...result, errors: format(result.errors) };
    },
    onError(_ctx, _id, _payload, errors) {
      return format(errors);
    },
  });

  wss.on('connection', (socket: WebSocket) => {
    sockets.inc();
    const state: SocketState = { socket, authorization: null, principal: null };
    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const keepAlive = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, KEEPALIVE_MS);
    keepAlive.unref();
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle(String(data)).catch((err: unknown) => {
              logger.error({ err }, 'a WebSocket message could not be handled');
              close(state, CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      state,
    );
    socket.on('error', (err) => logger.warn({ err }, 'WebSocket connection error'));
    socket.once('close', (code, reason) => {
      clearInterval(keepAlive);
      sockets.dec();
      closed(code, String(reason)).catch((err: unknown) => logger.error({ err }, 'closing a WebSocket connection failed'));
    });
  });

  app.server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== PATH || closing) {
      socket.on('error', () => {});
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  app.addHook('preClose', (done) => {
    closing = true;
    for (const client of wss.clients) client.close(GOING_AWAY, 'Going away: the service is shutting down');
    const stragglers = setTimeout(() => {
      for (const client of wss.clients) client.terminate();
    }, CLOSE_GRACE_MS);
    stragglers.unref();
    done();
  });
  app.addHook('onClose', async () => {
    await feed.stop();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}
