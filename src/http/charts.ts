// The dashboard's charts as images, for reports and e-mails: GET /charts/<chart>.svg or .png.
//   k-selection | scatter | priority      ?model=<id> (default: the active model)
//   radar                                  ?model=&segment=<index>
//   movement                               ?model=<id a, default active>&compare=<id b>
//   histogram                              ?feature=<name>&buckets=<1..100>
//   every chart: &locale=EN|ZH &width=200..4000 &height=150..4000 (pixels; default 800 x 500)
// The key goes in the Authorization header, as for /graphql (the same check, before anything else). The data comes
// from this server's own GraphQL queries, executed in-process with the caller's key, and the option from the same
// builders the page draws with (dashboard/charts.cjs), rendered by ECharts' SVG renderer with no DOM; PNG is that SVG
// rasterised by resvg with the machine's fonts (Chinese needs a CJK font: README, The dashboard). Drawing runs in a
// worker thread (chart-renderer.ts), never on the event loop.
import { MAX_BUCKETS } from '../modules/quality/feature-histograms.ts';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApolloServer } from '@apollo/server';
import { z } from 'zod';
import charts from './dashboard/charts.cjs';
import { createContext, type Context } from '../graphql/context.ts';
import type { Services } from '../app/services.ts';
import type { Principal } from '../modules/auth/api-keys.ts';
import type { ChartData, RenderRequest } from './chart-render.ts';
import { ChartRenderer } from './chart-renderer.ts';

export const CHART_NAMES = ['k-selection', 'scatter', 'radar', 'priority', 'movement', 'histogram'] as const;
type ChartName = (typeof CHART_NAMES)[number];

const CACHE_SECONDS = 60;

const id = z.string().uuid({ message: 'must be an id (a uuid)' });
const int = (min: number, max: number) =>
  z.string().regex(/^\d+$/, { message: 'must be a whole number' }).transform(Number).pipe(z.number().int().min(min, { message: `must be at least ${min}` }).max(max, { message: `must be at most ${max}` }));
const Params = z.strictObject({
  model: id.optional(),
  compare: id.optional(),
  segment: int(0, 1000).optional(),
  feature: z.string().min(1).max(100).optional(),
  buckets: int(1, MAX_BUCKETS).optional(),
  locale: z.enum(['EN', 'ZH', 'en', 'zh']).transform((l) => (l.toLowerCase() === 'zh' ? 'zh' : 'en') as charts.Lang).default('en'),
  width: int(200, 4000).default(800),
  height: int(150, 4000).default(500),
});
type ChartParams = z.infer<typeof Params>;

// The answers' shapes (what the builders read; anything else the queries return is dropped here).
const Segment = z.object({
  id: z.string(), index: z.number(), size: z.number(), share: z.number(), nameEn: z.string(), nameZh: z.string(),
  strategyEn: z.object({ priority: z.string() }), strategyZh: z.object({ priority: z.string() }),
  relativeProfile: z.array(z.object({ metric: z.string(), ratio: z.number().nullable() })),
});
const Model = z.object({
  id: z.string(), version: z.number(), k: z.number(),
  kSelection: z.object({ chosenK: z.number(), curve: z.array(z.object({ k: z.number(), inertia: z.number(), silhouette: z.number().nullable() })) }).nullable(),
  projection: z.object({ points: z.array(z.object({ x: z.number(), y: z.number(), segment: z.number() })) }),
  segments: z.array(Segment),
});
const ComparedModel = z.object({ id: z.string(), version: z.number(), segments: z.array(z.object({ id: z.string(), index: z.number(), size: z.number(), nameEn: z.string(), nameZh: z.string() })) });
const Comparison = z.object({
  users: z.number(), onlyA: z.number(), onlyB: z.number(), a: ComparedModel, b: ComparedModel,
  movement: z.array(z.object({ from: z.object({ index: z.number() }), to: z.object({ index: z.number() }), users: z.number() })),
});
const Histogram = z.object({ feature: z.string(), users: z.number(), missing: z.number(), buckets: z.array(z.object({ from: z.number(), to: z.number(), users: z.number() })) });

/** A refusal with its HTTP status and a reason for the caller. */
class ChartError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const STATUS_OF_CODE: Record<string, number> = { BAD_USER_INPUT: 400, NOT_FOUND: 404, FORBIDDEN: 403, SERVICE_UNAVAILABLE: 503 };

interface Deps {
  services: Services;
  apollo: ApolloServer<Context>;
  onRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  principalOf(request: FastifyRequest): Principal;
}

export function registerCharts(app: FastifyInstance, deps: Deps): void {
  const renderer = new ChartRenderer();
  app.addHook('onClose', () => renderer.close());
  app.get<{ Params: { file: string }; Querystring: Record<string, string | string[] | undefined> }>(
    '/charts/:file',
    { onRequest: [deps.onRequest] },
    async (request, reply) => {
      try {
        const { name, format } = parseFile(request.params.file);
        const params = parseParams(request.query);
        const run = async (query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> => {
          const contextValue = createContext(deps.services, deps.principalOf(request));
          const response = await deps.apollo.executeOperation({ query, variables }, { contextValue });
          if (response.body.kind !== 'single') throw new ChartError(500, 'unexpected incremental answer');
          const { data, errors } = response.body.singleResult;
          if (errors?.length) {
            const code = errors[0]!.extensions?.['code'];
            throw new ChartError(typeof code === 'string' ? STATUS_OF_CODE[code] ?? 500 : 500, errors[0]!.message);
          }
          return data ?? {};
        };
        const job: RenderRequest = { ...(await chartData(name, params, run)), lang: params.locale, width: params.width, height: params.height, format };
        // The drawing is a function of the request (chart, size, language and data; the SVG itself is not: its element
        // ids count up per render), so the tag is taken from it and a match skips the drawing.
        const etag = `"${createHash('sha256').update(JSON.stringify(job)).digest('base64url').slice(0, 27)}"`;
        void reply
          .header('cache-control', `private, max-age=${CACHE_SECONDS}`)
          .header('vary', 'authorization')
          .header('etag', etag)
          .header('x-content-type-options', 'nosniff')
          // an SVG opened on its own runs no script and loads nothing
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        const body = await renderer.render(job);
        return reply.type(format === 'svg' ? 'image/svg+xml; charset=utf-8' : 'image/png').send(body);
      } catch (err) {
        if (err instanceof ChartError) {
          return reply.code(err.status).header('cache-control', 'no-store').send({ error: err.status === 400 ? 'Bad Request' : err.status === 404 ? 'Not Found' : 'Error', message: err.message, statusCode: err.status });
        }
        throw err;
      }
    },
  );
}

function parseFile(file: string): { name: ChartName; format: 'svg' | 'png' } {
  const match = /^(.+)\.(svg|png)$/.exec(file);
  if (!match) throw new ChartError(400, `${file}: ask for <chart>.svg or <chart>.png`);
  const name = CHART_NAMES.find((c) => c === match[1]);
  if (!name) throw new ChartError(404, `no chart ${match[1]}; charts: ${CHART_NAMES.join(', ')}`);
  return { name, format: match[2] === 'svg' ? 'svg' : 'png' };
}

function parseParams(query: Record<string, string | string[] | undefined>): ChartParams {
  const repeated = Object.keys(query).find((k) => Array.isArray(query[k]));
  if (repeated) throw new ChartError(400, `${repeated}: give it once`);
  const parsed = Params.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'query');
    throw new ChartError(400, `${where}: ${issue.message}`);
  }
  return parsed.data;
}

type Run = (query: string, variables: Record<string, unknown>) => Promise<Record<string, unknown>>;

async function loadModel(run: Run, modelId: string | undefined): Promise<z.infer<typeof Model>> {
  const data = modelId ? await run(charts.QUERIES.model, { id: modelId }) : await run(charts.QUERIES.activeModel, {});
  const raw = modelId ? data['model'] : data['activeModel'];
  if (raw == null) throw new ChartError(404, modelId ? `no model ${modelId}` : 'no active model: train one, or name a model with ?model=');
  return Model.parse(raw);
}

function needed<T>(value: T | undefined, name: string, chart: string): T {
  if (value === undefined) throw new ChartError(400, `${name}: required by the ${chart} chart`);
  return value;
}

/** The data the chart draws, read through GraphQL with the caller's key. */
async function chartData(name: ChartName, params: ChartParams, run: Run): Promise<ChartData> {
  switch (name) {
    case 'k-selection': {
      const model = await loadModel(run, params.model);
      const { kSelection } = model;
      if (!kSelection) throw new ChartError(404, `model v${model.version} was trained with a given k: it has no k-selection curve`);
      return { chart: name, model: { ...model, kSelection } };
    }
    case 'scatter':
    case 'priority':
      return { chart: name, model: await loadModel(run, params.model) };
    case 'radar': {
      const index = needed(params.segment, 'segment', name);
      const model = await loadModel(run, params.model);
      const segment = model.segments.find((s) => s.index === index);
      if (!segment) throw new ChartError(404, `segment: model v${model.version} has segments 0 to ${model.k - 1}`);
      return { chart: name, segment };
    }
    case 'movement': {
      const b = needed(params.compare, 'compare', name);
      const a = params.model ?? (await loadModel(run, undefined)).id;
      const data = await run(charts.QUERIES.compare, { a, b });
      return { chart: name, comparison: Comparison.parse(data['compareModels']) };
    }
    case 'histogram': {
      const feature = needed(params.feature, 'feature', name);
      const data = await run(charts.QUERIES.histograms, { features: [feature], buckets: params.buckets ?? null });
      const [histogram] = z.array(Histogram).length(1).parse(data['featureHistograms']);
      return { chart: name, histogram: histogram! };
    }
  }
}
