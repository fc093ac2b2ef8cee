// GET /export/segments/<lineage>.csv and GET /export/audiences/<id>.csv: members as CSV, streamed
// (src/modules/exports/export-members.ts). Authenticated as /graphql is (Authorization: Bearer <key>; every role, READ
// and above, may export); refusals are short JSON bodies { error, message } with 400, 401, 404, 500 or 503.
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../app/services.ts';
import { authenticate, type Principal } from '../modules/auth/api-keys.ts';
import { unavailableError } from '../db/unavailable.ts';
import { RETRY_AFTER_SECONDS } from '../graphql/errors.ts';
import { exportFilename, openExport, parseColumns, type ExportTarget } from '../modules/exports/export-members.ts';

/**
 * Exports running at once in this process: each holds a pooled connection for as long as its client reads, so more
 * would starve the API of connections. Another is refused with 503 and Retry-After.
 */
export const MAX_CONCURRENT_EXPORTS = 2;

function refuse(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send({ error, message });
}

export function registerExport(app: FastifyInstance, services: Services): void {
  let running = 0;

  async function handle(request: FastifyRequest<{ Params: { file: string }; Querystring: Record<string, unknown> }>, reply: FastifyReply, kind: ExportTarget['kind']) {
    let principal: Principal | null;
    try {
      principal = await authenticate(services.db, request.headers.authorization, services.auth);
    } catch (err) {
      const unavailable = unavailableError(err);
      services.logger.warn({ err }, 'could not check an API key for an export');
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return refuse(reply, 503, unavailable?.code ?? 'SERVICE_UNAVAILABLE', 'The service cannot check API keys right now; try again shortly');
    }
    // every role reads (READ, INGEST, ADMIN): a valid key is enough
    if (!principal) return refuse(reply, 401, 'UNAUTHENTICATED', 'A valid API key is required: send Authorization: Bearer <key>');

    const file = request.params.file;
    if (!file.endsWith('.csv')) return refuse(reply, 404, 'NOT_FOUND', 'Exports are named <id>.csv');
    const id = file.slice(0, -'.csv'.length).toLowerCase();
    const target: ExportTarget = kind === 'segment' ? { kind, lineage: id } : { kind, id };
    const columns = parseColumns(request.query.columns);
    if ('problem' in columns) return refuse(reply, 400, 'BAD_USER_INPUT', columns.problem);

    if (running >= MAX_CONCURRENT_EXPORTS) {
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return refuse(reply, 503, 'SERVICE_UNAVAILABLE', `At most ${MAX_CONCURRENT_EXPORTS} exports run at once; try again shortly`);
    }
    running++;
    let body: Readable | null;
    try {
      body = await openExport(services.pool, target, columns.columns, services.now(), services.portrait, services.env.DATABASE_JOB_STATEMENT_TIMEOUT_MS);
    } catch (err) {
      running--;
      const unavailable = unavailableError(err);
      if (!unavailable) {
        services.logger.error({ err, target }, 'an export failed to start');
        return refuse(reply, 500, 'INTERNAL_SERVER_ERROR', 'The export failed on an internal error; the service log has the details');
      }
      void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return refuse(reply, 503, unavailable.code, unavailable.message);
    }
    if (!body) {
      running--;
      return refuse(reply, 404, 'NOT_FOUND', kind === 'segment' ? `No segment of the active model has lineage ${id}` : `No audience ${id}`);
    }
    body.on('error', (err) => services.logger.error({ err, target }, 'an export failed mid-stream; the response was cut short'));
    // ended, failed or destroyed (the client went away): the slot is free again
    body.once('close', () => running--);
    return reply
      .header('content-type', 'text/csv; charset=utf-8; header=present')
      .header('content-disposition', `attachment; filename="${exportFilename(target)}"`)
      .header('cache-control', 'no-store')
      .send(body);
  }

  app.get<{ Params: { file: string }; Querystring: Record<string, unknown> }>('/export/segments/:file', (request, reply) => handle(request, reply, 'segment'));
  app.get<{ Params: { file: string }; Querystring: Record<string, unknown> }>('/export/audiences/:file', (request, reply) => handle(request, reply, 'audience'));
}
