// Files the browser pages (the IDE, the dashboard) load from this server: a fixed list per page, each a file of an
// installed package, a file beside this code, or inline text. No path is ever taken from the URL, so nothing outside
// the list can be read. Bodies are compressed once (brotli or gzip, as the browser accepts) and kept in memory: the
// dashboard's chart library is 1.1 MB as shipped and about a third of that gzipped.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** An installed package's version, for cache-busting asset URLs. */
export const packageVersion = (name: string): string => {
  const pkg: unknown = require(`${name}/package.json`);
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0';
};

export interface StaticAsset {
  /** a file in an installed package, a file (absolute path) shipped with this code, or inline content */
  source: { pkg: string; file: string } | { path: string } | { content: string };
  type: string;
}

export const JS_TYPE = 'application/javascript; charset=utf-8';
export const CSS_TYPE = 'text/css; charset=utf-8';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

type Encoding = 'br' | 'gzip' | 'identity';

/** The best encoding the request accepts (no q-value parsing beyond "q=0", which refuses one). */
function encodingFor(request: FastifyRequest): Encoding {
  const header = String(request.headers['accept-encoding'] ?? '').toLowerCase();
  const accepted = new Set(
    header
      .split(',')
      .map((part) => part.trim())
      .filter((part) => !/;\s*q=0(\.0*)?$/.test(part))
      .map((part) => part.split(';')[0]!.trim()),
  );
  if (accepted.has('br')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return 'identity';
}

async function encode(body: Buffer, encoding: Encoding): Promise<Buffer> {
  if (encoding === 'br') {
    // quality 9: within a few percent of 11 and much faster on a megabyte (done once per asset and process)
    return brotli(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  }
  if (encoding === 'gzip') return gzipAsync(body, { level: 9 });
  return body;
}

/** Sends a body compressed as the request accepts, from a cache keyed by `cacheKey` (bodies must not change under it). */
export function createCompressedSender() {
  const cache = new Map<string, Promise<Buffer>>();
  return function send(request: FastifyRequest, reply: FastifyReply, cacheKey: string, body: () => Promise<Buffer>): Promise<FastifyReply> | FastifyReply {
    const encoding = encodingFor(request);
    const key = `${encoding}:${cacheKey}`;
    let encoded = cache.get(key);
    if (!encoded) {
      encoded = body().then((raw) => encode(raw, encoding));
      cache.set(key, encoded);
      // a failed read is not remembered: the next request tries again
      encoded.catch(() => cache.delete(key));
    }
    void reply.header('vary', 'accept-encoding');
    if (encoding !== 'identity') void reply.header('content-encoding', encoding);
    return encoded.then((bytes) => reply.send(bytes));
  };
}

async function readAsset(asset: StaticAsset): Promise<Buffer> {
  const { source } = asset;
  if ('content' in source) return Buffer.from(source.content, 'utf8');
  if ('path' in source) return readFile(source.path);
  return readFile(join(packageDir(source.pkg), source.file));
}

/** GET `${prefix}:name` answers the listed assets (404 for any other name), compressed, cacheable for a day. */
export function registerStaticAssets(app: FastifyInstance, prefix: string, assets: Readonly<Record<string, StaticAsset>>): void {
  const send = createCompressedSender();
  app.get<{ Params: { name: string } }>(`${prefix}:name`, async (request, reply) => {
    const name = request.params.name;
    const asset = Object.hasOwn(assets, name) ? assets[name] : undefined;
    if (!asset) return reply.code(404).send({ error: 'Not Found', message: `no asset ${name}`, statusCode: 404 });
    void reply.type(asset.type).header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff');
    return send(request, reply, `${prefix}${name}`, () => readAsset(asset));
  });
}

/** Headers of an HTML page that may load and connect to this server only. */
export function pageSecurityHeaders(reply: FastifyReply, csp: string): FastifyReply {
  return reply
    .header('content-security-policy', csp)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache');
}

/** JSON for a <script> block of a page: `<` escaped, so no value can close the script element. */
export const escapeJsonForHtml = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
