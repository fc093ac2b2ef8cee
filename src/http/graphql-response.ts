// GraphQL error responses that fastify sends itself, before Apollo sees the request (no key, wrong method), in the
// same shape and media type as Apollo's own: { errors: [{ message, extensions: { code } }] }.
import type { FastifyReply, FastifyRequest } from 'fastify';

const GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';
const JSON_UTF8 = 'application/json; charset=utf-8';

/** application/graphql-response+json when the client asks for it (GraphQL-over-HTTP), else application/json. */
function responseMediaType(request: FastifyRequest): string {
  return (request.headers.accept ?? '').includes('application/graphql-response+json') ? GRAPHQL_RESPONSE_JSON : JSON_UTF8;
}

export function sendGraphQLErrors(reply: FastifyReply, status: number, errors: { message: string; code: string }[]): FastifyReply {
  return reply
    .code(status)
    .type(responseMediaType(reply.request))
    .header('cache-control', 'no-store')
    .send(JSON.stringify({ errors: errors.map((e) => ({ message: e.message, extensions: { code: e.code } })) }));
}
