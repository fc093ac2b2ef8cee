// The CSV exports over HTTP: content equal to the members GraphQL lists (ids and values), columns checked, keys
// required, unknown targets 404, formula-like ids guarded, and a client that leaves mid-stream frees its connection.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import pg from 'pg';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from '../support/server.ts';
import { importUsersOk } from '../support/seed.ts';
import { waitForJob } from '../support/jobs.ts';
import { until } from '../support/wait.ts';
import { createRng } from '../../src/compute/random.ts';
import { connect } from '../../src/db/client.ts';
import { openExport } from '../../src/modules/exports/export-members.ts';

const NOW = new Date('2026-11-20T12:00:00Z');
const rng = createRng(9);
/** ids a spreadsheet would run as formulas, and ones that need CSV quoting */
const TRICKY = ['=HYPERLINK("http://x",1)', '+sum', '-2+3', '@cmd', 'comma,id', 'quote"id', 'plain'];

let server: TestServer;
let origin: string;
before(async () => {
  server = await startTestServer({ now: () => NOW });
  origin = new URL(server.url).origin;
  const ids = [...TRICKY, ...Array.from({ length: 300 }, (_, i) => `u${String(i).padStart(4, '0')}`)];
  await importUsersOk(server, ids.map((userId) => ({
    userId,
    sessionsCount: rng.int(50),
    totalSpent: rng.next() < 0.6 ? Math.round(rng.next() * 500_000) / 100 : 0,
    purchaseFrequency: rng.int(20),
    ...(rng.next() < 0.7 ? { lastPurchaseDays: rng.int(300) } : {}),
    ...(rng.next() < 0.8 ? { age: 18 + rng.int(50) } : {}),
  })));
  const job = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 3, seed: 1 }) { id } }`);
  assert.equal((await waitForJob(server.database.db, job.data!.retrain.id)).status, 'SUCCEEDED');
});
after(() => server.close());

/** RFC 4180 parsing (quoted fields, doubled quotes, CRLF records), strict enough to fail on a malformed file. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        assert.ok(q >= 0, 'unterminated quote');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const end = text.slice(i).search(/[,\r]/);
      value = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i += value.length;
    }
    row.push(value);
    if (text[i] === ',') i++;
    else {
      assert.equal(text.slice(i, i + 2), '\r\n', `record ends with CRLF at ${i}`);
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

const get = (path: string, key: string | null = TEST_ADMIN_KEY) =>
  fetch(`${origin}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });

interface Member {
  id: string;
  profile: { totalSpent: number; sessionsCount: number; lastPurchaseDays: number | null; labels: { value: string } | null };
}
const MEMBER = 'id profile { totalSpent sessionsCount lastPurchaseDays labels { value } }';

async function segmentsWithMembers(): Promise<{ lineage: string; members: Member[] }[]> {
  const r = await server.gql<{ activeModel: { segments: { lineage: string; users: { edges: { node: Member }[] } }[] } }>(
    `{ activeModel { segments { lineage users(first: 500) { edges { node { ${MEMBER} } } } } } }`,
  );
  assert.equal(r.errors, undefined, JSON.stringify(r.errors));
  return r.data!.activeModel.segments.map((s) => ({ lineage: s.lineage, members: s.users.edges.map((e) => e.node) }));
}

/** A user id as the file shows it: formula-like ids carry a leading quote. */
const guarded = (id: string) => (/^[=+\-@\t\r]/.test(id) ? `'${id}` : id);

function checkRows(rows: string[][], members: readonly Member[]): void {
  assert.deepEqual(rows[0], ['userId', 'totalSpent', 'sessionsCount', 'lastPurchaseDays', 'labels.value']);
  const byId = new Map(members.map((m) => [guarded(m.id), m]));
  assert.equal(rows.length - 1, members.length);
  for (const [id, spent, sessions, lastPurchase, value] of rows.slice(1)) {
    const m = byId.get(id!);
    assert.ok(m, `${id} is a member`);
    assert.equal(Number(spent), m.profile.totalSpent, `${id} totalSpent`);
    assert.equal(Number(sessions), m.profile.sessionsCount);
    assert.equal(lastPurchase === '' ? null : Number(lastPurchase), m.profile.lastPurchaseDays);
    assert.equal(value === '' ? null : value, m.profile.labels?.value ?? null);
  }
}

describe('CSV export', () => {
  it('exports each segment lineage of the active model: its members, with the values the API shows', async () => {
    const segments = await segmentsWithMembers();
    let total = 0;
    for (const s of segments) {
      const res = await get(`/export/segments/${s.lineage}.csv?columns=totalSpent,sessionsCount,lastPurchaseDays,labels.value`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8; header=present');
      assert.equal(res.headers.get('content-disposition'), `attachment; filename="segment-${s.lineage}.csv"`);
      const rows = parseCsv(await res.text());
      checkRows(rows, s.members);
      // ordered by user id, as COPY writes them
      const ids = rows.slice(1).map((r) => r[0]!);
      assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      total += rows.length - 1;
    }
    assert.equal(total, 307, 'every user is in exactly one exported segment');
  });

  it('guards formula-like text cells and quotes what CSV needs quoted', async () => {
    const segments = await segmentsWithMembers();
    let text = '';
    for (const s of segments) text += await (await get(`/export/segments/${s.lineage}.csv?columns=`)).text();
    assert.match(text, /^"'=HYPERLINK\(""http:\/\/x"",1\)"\r$/m);
    for (const line of ["'+sum", "'-2+3", "'@cmd", '"comma,id"', '"quote""id"', 'plain']) assert.ok(text.split('\r\n').includes(line), line);
    // numbers are not guarded (a negative number stays a number): only text is
    assert.doesNotMatch(text, /^=|^\+|^-|^@/m);
  });

  it('exports an audience, with the default columns when none are named', async () => {
    const created = await server.gql<{ createAudience: { id: string; users: { totalCount: number; edges: { node: Member }[] } } }>(
      `mutation { createAudience(input: { name: "spenders", rule: { condition: { field: "totalSpent", op: GT, value: 1000 } } }) {
         id users(first: 500) { totalCount edges { node { ${MEMBER} } } } } }`,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const a = created.data!.createAudience;
    assert.ok(a.users.totalCount > 20);
    const res = await get(`/export/audiences/${a.id}.csv?columns=totalSpent,sessionsCount,lastPurchaseDays,labels.value`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-disposition'), `attachment; filename="audience-${a.id}.csv"`);
    checkRows(parseCsv(await res.text()), a.users.edges.map((e) => e.node));
    const defaults = parseCsv(await (await get(`/export/audiences/${a.id}.csv`)).text());
    assert.deepEqual(defaults[0], ['userId', 'totalSpent', 'purchaseFrequency', 'lastPurchaseDays', 'sessionsCount', 'engagementScore']);
    assert.equal(defaults.length - 1, a.users.totalCount);
  });

  it('refuses unknown or repeated columns with 400 naming them', async () => {
    const [s] = await segmentsWithMembers();
    const bad = await get(`/export/segments/${s!.lineage}.csv?columns=totalSpent,shoeSize`);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: string; message: string };
    assert.equal(body.error, 'BAD_USER_INPUT');
    assert.match(body.message, /unknown column "shoeSize"/);
    const twice = await get(`/export/segments/${s!.lineage}.csv?columns=totalSpent,totalSpent`);
    assert.equal(twice.status, 400);
    assert.match(((await twice.json()) as { message: string }).message, /"totalSpent" is listed twice/);
    const repeated = await get(`/export/segments/${s!.lineage}.csv?columns=age&columns=gender`);
    assert.equal(repeated.status, 400);
  });

  it('needs a key (401 without, READ is enough)', async () => {
    const [s] = await segmentsWithMembers();
    const none = await get(`/export/segments/${s!.lineage}.csv`, null);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: string }).error, 'UNAUTHENTICATED');
    assert.equal((await get(`/export/segments/${s!.lineage}.csv`, 'not-a-key')).status, 401);
    const key = await server.gql<{ createApiKey: { key: string } }>(`mutation { createApiKey(input: { name: "reader", role: READ }) { key } }`);
    const res = await get(`/export/segments/${s!.lineage}.csv`, key.data!.createApiKey.key);
    assert.equal(res.status, 200);
    assert.equal(parseCsv(await res.text()).length - 1, s!.members.length);
  });

  it('answers 404 for unknown audiences and lineages, and for lineages only older models had', async () => {
    const random = '3f1e8a52-7d0c-4e7e-9a51-2b6f0c9d4e11';
    for (const path of [`/export/segments/${random}.csv`, `/export/audiences/${random}.csv`, '/export/segments/nonsense.csv', `/export/audiences/${random}.json`]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: string }).error, 'NOT_FOUND');
    }
    const before = (await segmentsWithMembers()).map((s) => s.lineage);
    const job = await server.gql<{ retrain: { id: string } }>(`mutation { retrain(input: { k: 7, seed: 5 }) { id } }`);
    assert.equal((await waitForJob(server.database.db, job.data!.retrain.id)).status, 'SUCCEEDED');
    const now = new Set((await segmentsWithMembers()).map((s) => s.lineage));
    const gone = before.filter((l) => !now.has(l));
    assert.ok(gone.length > 0, 'seven segments cannot all keep three lineages');
    for (const l of gone) assert.equal((await get(`/export/segments/${l}.csv`)).status, 404);
    for (const l of now) {
      const res = await get(`/export/segments/${l}.csv?columns=`);
      assert.equal(res.status, 200);
      // read to the end: an export holds one of the process's two export slots until its stream ends
      await res.text();
    }
  });

  it('a client that leaves mid-stream ends the COPY and frees its connection', async () => {
    const created = await server.gql<{ createAudience: { id: string } }>(
      `mutation { createAudience(input: { name: "everyone", rule: { condition: { field: "sessionsCount", op: GTE, value: 0 } } }) { id } }`,
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const { id } = created.data!.createAudience;
    // enough rows that the file cannot sit whole in the socket and stream buffers, written as the live path would
    // (users, profiles, the audience's members), on a session of its own without the service's statement bound
    const bulk = new pg.Client({ connectionString: server.database.url });
    await bulk.connect();
    try {
      const ids = `SELECT 'bulk-' || lpad(g::text, 7, '0') AS id, g FROM generate_series(1, 300000) g`;
      await bulk.query(`INSERT INTO users (id) SELECT id FROM (${ids}) s`);
      await bulk.query(`INSERT INTO profiles (user_id, sessions_count) SELECT id, g % 40 FROM (${ids}) s`);
      await bulk.query(`INSERT INTO audience_members (audience_id, user_id, entered_at) SELECT $1::uuid, id, now() FROM (${ids}) s`, [id]);
    } finally {
      await bulk.end();
    }
    const sized = await server.gql<{ audience: { size: number } }>(`query($id: ID!) { audience(id: $id) { size } }`, { id });
    const size = sized.data!.audience.size;
    assert.ok(size > 300_000);
    // the export's backend while its COPY runs (held back by the client, which does not read)
    const exporting = async () => {
      const rows = await server.database.db.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'COPY (/* portrait_export */%' AND pid <> pg_backend_pid()`,
      );
      return rows[0]!.n;
    };
    for (let round = 0; round < 3; round++) {
      // more rounds than export slots: a slot that leaked would refuse the third with 503
      const openWhenLeft = await new Promise<number>((resolve, reject) => {
        const req = http.get(`${origin}/export/audiences/${id}.csv?columns=sessionsCount,totalSpent`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } }, (res) => {
          assert.equal(res.statusCode, 200);
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > 64 * 1024 && !res.isPaused()) {
              // stop reading: the server's buffers fill and COPY waits on the socket, its transaction still open
              res.pause();
              setTimeout(() => {
                exporting().then((n) => {
                  req.destroy();
                  resolve(n);
                }, reject);
              }, 300);
            }
          });
          res.on('end', () => reject(new Error('the whole file arrived; the test needs more rows')));
        });
        req.on('error', () => {});
      });
      assert.equal(openWhenLeft, 1, 'the export was open when the client left');
      await until('the export ended its transaction', async () => (await exporting()) === 0, 10_000);
    }
    // the pool has its connections back, and a full export still works
    await until('the pool has every connection back', async () => server.services.pool.totalCount === server.services.pool.idleCount, 10_000);
    const res = await get(`/export/audiences/${id}.csv?columns=`);
    assert.equal(res.status, 200);
    assert.equal(parseCsv(await res.text()).length - 1, size);
  });
  it('outlasts the request pool\'s statement bound: one COPY runs as long as a slow client takes to read it', async () => {
    const [{ id }] = (await server.database.pool.query<{ id: string }>(`SELECT id::text AS id FROM audiences WHERE name = 'everyone'`)).rows as [{ id: string }];
    const size = Number((await server.database.pool.query<{ n: string }>('SELECT count(*) AS n FROM audience_members WHERE audience_id = $1::uuid', [id])).rows[0]!.n);
    assert.ok(size > 300_000, 'the previous test made the big audience');
    // a pool whose statements are bounded at 300 ms, as a request pool is at DATABASE_STATEMENT_TIMEOUT_MS
    const short = connect(server.database.url, 2, { statementTimeoutMs: 300, connectTimeoutMs: 5_000, jobStatementTimeoutMs: 60_000 });
    try {
      const body = await openExport(short.pool, { kind: 'audience', id }, ['sessionsCount'], NOW, server.services.portrait, 60_000);
      assert.ok(body);
      let bytes = 0;
      let lines = 0;
      let paused = false;
      for await (const chunk of body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        if (!paused && bytes > 64 * 1024) {
          // a reader that stops for longer than the pool's bound (and its client read timeout, a second more)
          paused = true;
          await new Promise((r) => setTimeout(r, 1_600));
        }
      }
      assert.ok(paused);
      assert.equal(lines - 1, size, 'every member arrived after the pause');
    } finally {
      await short.close();
    }
  });
});
