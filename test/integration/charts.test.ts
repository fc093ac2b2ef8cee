// GET /charts/<chart>.svg|.png: the dashboard's charts drawn on the server from the API's data, over a test server
// with demo users and two models. The SVG names the segments (in Chinese with locale=ZH); the PNG is a PNG of the size
// asked for, with a drawing in it; a request without a key is refused; bad parameters get 400 with the reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../support/server.ts';
import { importUsersOk, ingestEventsOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { generateDemoData } from '../../src/demo/demo-data.ts';

let server: TestServer;
let origin: string;
let readKey: string;
let activeId: string;
let candidateId: string;

interface ApiSegment { index: number; nameEn: string; nameZh: string }
async function gqlOk<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const r = await server.gql<T>(query, variables);
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!;
}
async function train(input: Record<string, unknown>): Promise<string> {
  const { retrain } = await gqlOk<{ retrain: { id: string } }>(`mutation($input: TrainInput) { retrain(input: $input) { id } }`, { input });
  const job = await waitForJob(server.database.db, retrain.id);
  assert.equal(job.status, 'SUCCEEDED', job.error ?? '');
  return job.modelId!;
}
async function segmentsOf(id: string): Promise<ApiSegment[]> {
  const { model } = await gqlOk<{ model: { segments: ApiSegment[] } }>(
    `query($id: ID!) { model(id: $id) { segments { index nameEn: name nameZh: name(locale: ZH) } } }`, { id });
  return model.segments;
}
const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${readKey}` }) => fetch(`${origin}${path}`, { headers });
/** Text as it appears inside SVG markup. */
const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A PNG's size from its IHDR chunk, and its pixel rows inflated (one filter byte + width * channels per row). */
function readPng(bytes: Buffer): { width: number; height: number; channels: number; raw: Buffer } {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature');
  assert.equal(bytes.toString('latin1', 12, 16), 'IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const colourType = bytes[25];
  const channels = colourType === 6 ? 4 : colourType === 2 ? 3 : colourType === 4 ? 2 : 1;
  const idat: Buffer[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('latin1', at + 4, at + 8) === 'IDAT') idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  return { width, height, channels, raw: inflateSync(Buffer.concat(idat)) };
}

/** Pixels of a row-filtered 8-bit PNG, unfiltered (PNG spec filters 0-4), as the count of pixels that are not white. */
function nonWhitePixels(png: ReturnType<typeof readPng>): number {
  const { width, height, channels, raw } = png;
  const stride = width * channels;
  let previous = Buffer.alloc(stride);
  let count = 0;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = Buffer.alloc(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const b = previous[i]!;
      const c = i >= channels ? previous[i - channels]! : 0;
      const predictor = filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : 0;
      out[i] = (line[i]! + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      const p = x * channels;
      if (out[p]! < 250 || out[p + 1]! < 250 || out[p + 2]! < 250) count++;
    }
    previous = out;
  }
  return count;
}
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

before(async () => {
  server = await startTestServer();
  origin = new URL(server.url).origin;
  const { users, events } = generateDemoData(240, new Date());
  await importUsersOk(server, users);
  await ingestEventsOk(server, events);
  activeId = await train({ kMin: 2, kMax: 5, seed: 3 });
  candidateId = await train({ k: 3, seed: 8, activate: false });
  const { createApiKey } = await gqlOk<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reports", role: READ }) { key } }`);
  readKey = createApiKey.key;
});
after(() => server?.close());

describe('server-side charts', () => {
  it('draws the scatter, the priority matrix and k-selection as SVG naming every segment, in English and in Chinese', async () => {
    const segments = await segmentsOf(activeId);
    for (const chart of ['scatter', 'priority']) {
      const res = await get(`/charts/${chart}.svg`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
      assert.match(res.headers.get('cache-control') ?? '', /^private, max-age=\d+/);
      const svg = await res.text();
      assert.match(svg, /^<svg[^>]*width="800" height="500"/);
      for (const s of segments) assert.ok(svg.includes(xml(s.nameEn)), `${chart} names ${s.nameEn}`);
      const zh = await (await get(`/charts/${chart}.svg?locale=ZH`)).text();
      for (const s of segments) assert.ok(zh.includes(xml(s.nameZh)), `${chart} names ${s.nameZh}`);
      assert.ok(segments.every((s) => /[\u4e00-\u9fff]/.test(s.nameZh)));
    }
    const ks = await (await get(`/charts/k-selection.svg?model=${activeId}`)).text();
    assert.match(ks, /chosen k = \d/);
    const zhKs = await (await get(`/charts/k-selection.svg?locale=zh`)).text();
    assert.match(zhKs, /选定 k = \d/);
  });

  it('draws a segment\'s radar and the movement between two models', async () => {
    const [segments, other] = [await segmentsOf(activeId), await segmentsOf(candidateId)];
    const radar = await (await get(`/charts/radar.svg?segment=1&locale=ZH`)).text();
    assert.ok(radar.includes(xml(segments[1]!.nameZh)));
    assert.ok(radar.includes('消费总额'), 'the axes are named in Chinese');
    const res = await get(`/charts/movement.svg?compare=${candidateId}&width=900&height=600`);
    assert.equal(res.status, 200);
    const movement = await res.text();
    assert.match(movement, /^<svg[^>]*width="900" height="600"/);
    for (const s of [...segments, ...other]) assert.ok(movement.includes(xml(s.nameEn)), `movement names ${s.nameEn}`);
    const hist = await get(`/charts/histogram.svg?feature=totalSpent&buckets=8`);
    assert.equal(hist.status, 200);
    assert.match(await hist.text(), />totalSpent</, 'the histogram is titled with its feature');
    assert.match(await (await get(`/charts/histogram.svg?feature=totalSpent&locale=ZH`)).text(), />消费总额</);
  });

  it('renders PNG at the size asked for, with a drawing in it (Chinese too)', async () => {
    for (const locale of ['EN', 'ZH']) {
      const res = await get(`/charts/priority.png?width=640&height=400&locale=${locale}`);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(res.headers.get('content-type'), 'image/png');
      const png = readPng(Buffer.from(await res.arrayBuffer()));
      assert.equal(png.width, 640);
      assert.equal(png.height, 400);
      assert.equal(png.raw.length, png.height * (1 + png.width * png.channels));
      const drawn = nonWhitePixels(png);
      // axes, quadrants, bubbles and labels: far more than a blank page, far less than a filled one
      assert.ok(drawn > 0.05 * 640 * 400 && drawn < 0.95 * 640 * 400, `${drawn} pixels drawn`);
    }
  });

  it('answers 304 to a repeated request with its ETag', async () => {
    const first = await get('/charts/scatter.svg');
    const etag = first.headers.get('etag') ?? '';
    assert.match(etag, /^"[\w-]+"$/);
    const again = await get('/charts/scatter.svg', { authorization: `Bearer ${readKey}`, 'if-none-match': etag });
    assert.equal(again.status, 304);
  });

  it('refuses a request without a valid key', async () => {
    assert.equal((await get('/charts/scatter.svg', {})).status, 401);
    assert.equal((await get('/charts/scatter.png', { authorization: 'Bearer nope' })).status, 401);
  });

  it('refuses bad parameters with 400 and a reason, unknown charts and models with 404', async () => {
    const cases: [string, number, RegExp][] = [
      ['/charts/scatter.svg?width=10', 400, /width: must be at least 200/],
      ['/charts/scatter.svg?height=abc', 400, /height: must be a whole number/],
      ['/charts/scatter.svg?colour=red', 400, /colour/],
      ['/charts/scatter.svg?locale=FR', 400, /locale/],
      ['/charts/scatter.svg?model=nope', 400, /model: must be an id/],
      ['/charts/scatter.svg?width=300&width=400', 400, /width: give it once/],
      ['/charts/radar.svg', 400, /segment: required/],
      ['/charts/movement.png', 400, /compare: required/],
      ['/charts/histogram.svg', 400, /feature: required/],
      ['/charts/histogram.svg?feature=nothing', 400, /unknown feature/],
      ['/charts/scatter.gif', 400, /svg or <chart>\.png/],
      ['/charts/pie.svg', 404, /no chart pie/],
      ['/charts/radar.svg?segment=99', 404, /segment: model v\d+ has segments 0 to/],
      ['/charts/scatter.svg?model=00000000-0000-4000-8000-000000000000', 404, /no model/],
      ['/charts/movement.svg?compare=00000000-0000-4000-8000-000000000000', 404, /not found/],
      [`/charts/k-selection.svg?model=${candidateId}`, 404, /no k-selection curve/],
    ];
    for (const [path, status, reason] of cases) {
      const res = await get(path);
      const body = (await res.json()) as { message?: string };
      assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
      assert.match(body.message ?? '', reason, path);
    }
  });
});
