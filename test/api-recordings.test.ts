/**
 * The REST recordings API against a real server on SQLite and on PostgreSQL: filters, sort, cursor
 * pages that stay exact while files are added, get, delete (files gone from disk), and 400s naming the
 * parameter. Rows are made directly in the server's database, with real files where a test needs them.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import type { RecordingRow } from '../src/catalog/recording-row.js';
import { addRecording, type RecordingSpec } from './helpers/catalog-rows.js';
import { NO_POSTGRES, skipUnable } from './helpers/needs.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RecordingJson {
  id: string;
  app: string;
  stream: string;
  format: string;
  status: string;
  url: string;
  storageKey: string;
  startTime: string;
  endTime: string | null;
  sizeBytes: number;
  broadcastId: string;
}

interface Page {
  recordings: RecordingJson[];
  nextCursor: string | null;
}

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const MINUTE = 60_000;

describe.each(['sqlite', 'postgres'] as const)('REST recordings API on %s', (engine) => {
  let t: TestServer | undefined;
  let catalog: Catalog;
  let mediaRoot: string;
  /** Every finished row of the fixture, newest first as the API sorts. */
  let done: RecordingRow[];

  async function api<T = Page>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    const res = await fetch(t!.httpUrl(path), init);
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
  }

  const add = (spec: RecordingSpec, withFile = false) =>
    addRecording(catalog, spec, withFile ? mediaRoot : undefined);

  beforeAll(async () => {
    if (engine === 'postgres' && postgres === undefined) return;
    const databaseUrl = engine === 'postgres' ? await postgres!.newDatabase() : undefined;
    t = await startTestServer(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl });
    catalog = await openCatalog({ dataDir: t.dataDir, databaseUrl });
    mediaRoot = join(t.dataDir, 'media');
    const rows: RecordingRow[] = [];
    for (let i = 0; i < 30; i++) rows.push(await add({ startTime: T0 + i * MINUTE }));
    // Three files starting in the same millisecond: the id breaks the tie.
    for (let i = 0; i < 3; i++) rows.push(await add({ startTime: T0 + 10 * MINUTE }));
    for (let i = 0; i < 2; i++)
      rows.push(await add({ app: 'other', startTime: T0 + i * MINUTE, broadcastId: 'b-other' }));
    for (let i = 0; i < 5; i++)
      rows.push(await add({ stream: 's2', format: 'mp4', startTime: T0 + i * MINUTE }));
    rows.push(await add({ stream: 's2', format: 'hls', startTime: T0 }));
    await add({ startTime: T0 + 40 * MINUTE, status: 'recording' });
    done = rows.sort((a, b) => b.startTime - a.startTime || (b.id < a.id ? -1 : 1));
  });
  afterAll(async () => {
    await catalog?.close();
    await t?.close();
  });
  beforeEach((ctx) => {
    if (t === undefined) skipUnable(ctx, 'postgres', NO_POSTGRES);
  });

  const ids = (page: Page) => page.recordings.map((r) => r.id);
  const expected = (keep: (row: RecordingRow) => boolean) => done.filter(keep).map((row) => row.id);

  describe('list', () => {
    it('lists finished files newest first (start time, then id), 50 per page by default', async () => {
      const { status, body } = await api('/api/v1/recordings');
      expect(status).toBe(200);
      expect(ids(body)).toEqual(done.slice(0, 50).map((r) => r.id));
      expect(body.nextCursor).toBeNull();
      expect(body.recordings.every((r) => r.status === 'done')).toBe(true);
    });

    it.each<[string, string, (row: RecordingRow) => boolean]>([
      ['app and stream', 'app=live&stream=s1', (r) => r.app === 'live' && r.stream === 's1'],
      ['a stream name in every app', 'stream=s1', (r) => r.stream === 's1'],
      ['app', 'app=other', (r) => r.app === 'other'],
      ['format', 'format=mp4', (r) => r.format === 'mp4'],
      ['broadcast', 'broadcastId=b-other', (r) => r.broadcastId === 'b-other'],
      [
        'a window in ISO 8601',
        'stream=s1&from=2025-06-01T08:05:00Z&to=2025-06-01T08:12:00Z',
        (r) => r.stream === 's1' && r.startTime >= T0 + 5 * MINUTE && r.startTime < T0 + 12 * MINUTE,
      ],
      ['a window with an offset', 'from=2025-06-01T16:25:00%2B08:00', (r) => r.startTime >= T0 + 25 * MINUTE],
      ['a window in ms', `to=${T0 + MINUTE}`, (r) => r.startTime < T0 + MINUTE],
      [
        'everything combined',
        `app=live&stream=s2&format=hls&from=${T0}&to=${T0 + 1}`,
        (r) => r.stream === 's2' && r.format === 'hls',
      ],
    ])('filters by %s', async (_what, query, keep) => {
      const { status, body } = await api(`/api/v1/recordings?${query}&limit=1000`);
      expect(status).toBe(200);
      expect(ids(body)).toEqual(expected(keep));
      expect(ids(body).length).toBeGreaterThan(0);
    });

    it('lists open files with status=recording and both with status=all', async () => {
      const open = await api('/api/v1/recordings?status=recording');
      expect(open.body.recordings.map((r) => [r.status, r.endTime])).toEqual([['recording', null]]);
      const all = await api('/api/v1/recordings?status=all&limit=1000');
      expect(all.body.recordings).toHaveLength(done.length + 1);
      expect(all.body.recordings[0]!.status).toBe('recording');
    });

    it('sorts oldest first with sort=asc', async () => {
      const { body } = await api('/api/v1/recordings?sort=asc&stream=s1&limit=1000');
      expect(ids(body)).toEqual(expected((r) => r.stream === 's1').reverse());
    });

    it('gives each file its playback URL', async () => {
      const { body } = await api('/api/v1/recordings?stream=s2&format=hls');
      const [hls] = body.recordings;
      expect(hls!.url).toBe(t!.httpUrl(`/vod/${hls!.storageKey}`));
      expect(hls!.url).toMatch(/\/index\.m3u8$/);
    });
  });

  describe('cursor pages', () => {
    async function walk(query: string, between: (pageNo: number) => Promise<void>): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pageNo = 0; pageNo < 100; pageNo++) {
        const { status, body }: { status: number; body: Page } = await api(
          `/api/v1/recordings?${query}&limit=7${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        expect(status).toBe(200);
        expect(body.recordings.length).toBeLessThanOrEqual(7);
        seen.push(...ids(body));
        cursor = body.nextCursor;
        if (cursor === null) return seen;
        await between(pageNo);
      }
      throw new Error('paging did not end');
    }

    it('return every file once, newest first, while newer and older files are added', async () => {
      const before = expected((r) => r.stream === 's1');
      const older: string[] = [];
      const seen = await walk('stream=s1', async (pageNo) => {
        // Newer than the walk's position: never on a later page. Older: on a later page, exactly once.
        await add({ startTime: T0 + (100 + pageNo) * MINUTE });
        older.push((await add({ startTime: T0 - (pageNo + 1) * MINUTE })).id);
      });
      expect(seen).toEqual([...before, ...older]);
    });

    it('return every file once oldest first, and files added meanwhile at the end', async () => {
      const before = expected((r) => r.stream === 's2').reverse();
      const newer: string[] = [];
      const seen = await walk('stream=s2&sort=asc', async (pageNo) => {
        newer.push((await add({ stream: 's2', startTime: T0 + (200 + pageNo) * MINUTE })).id);
      });
      expect(seen).toEqual([...before, ...newer]);
    });

    it('keep the sort they were made for', async () => {
      const { body } = await api('/api/v1/recordings?limit=1');
      const { status, body: error } = await api<{ error: string; message: string }>(
        `/api/v1/recordings?sort=asc&cursor=${body.nextCursor}`,
      );
      expect(status).toBe(400);
      expect(error.message).toContain('"cursor"');
      expect(error.message).toContain('sort=desc');
    });
  });

  describe('get', () => {
    it('returns one recording', async () => {
      const row = done[0]!;
      const { status, body } = await api<RecordingJson>(`/api/v1/recordings/${row.id}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({
        id: row.id,
        app: row.app,
        stream: row.stream,
        startTime: new Date(row.startTime).toISOString(),
        endTime: new Date(row.endTime!).toISOString(),
        sizeBytes: row.sizeBytes,
        url: t!.httpUrl(`/vod/${row.storageKey}`),
      });
    });

    it('answers 404 naming the id', async () => {
      const { status, body } = await api<{ error: string; message: string }>(
        '/api/v1/recordings/1234567890123456789',
      );
      expect(status).toBe(404);
      expect(body).toEqual({ error: 'not_found', message: 'recording 1234567890123456789 does not exist' });
    });
  });

  describe('delete', () => {
    const del = (id: string) => api(`/api/v1/recordings/${id}`, { method: 'DELETE' });

    it('removes the file and the row, and answers 204 again for a deleted id', async () => {
      const row = await add({ stream: 'del', startTime: T0 }, true);
      const path = join(mediaRoot, row.storageKey);
      expect(existsSync(path)).toBe(true);
      expect((await del(row.id)).status).toBe(204);
      expect(existsSync(path)).toBe(false);
      expect((await api(`/api/v1/recordings/${row.id}`)).status).toBe(404);
      expect(await catalog.recordings.get(row.id)).toBeUndefined();
      expect((await del(row.id)).status).toBe(204);
    });

    it('removes an HLS recording as its whole folder, and an old day folder once it is empty', async () => {
      const hls = await add({ stream: 'del', format: 'hls', startTime: T0 }, true);
      const flv = await add({ stream: 'del', startTime: T0 }, true);
      const folder = dirname(join(mediaRoot, hls.storageKey));
      const day = dirname(folder);
      expect(existsSync(join(folder, '000001.ts'))).toBe(true);
      expect((await del(hls.id)).status).toBe(204);
      expect(existsSync(folder)).toBe(false);
      expect(existsSync(day)).toBe(true);
      expect((await del(flv.id)).status).toBe(204);
      expect(existsSync(day)).toBe(false);
      expect(existsSync(dirname(day))).toBe(true);
    });

    it('refuses a file still being written with 409 and keeps it', async () => {
      const row = await add({ stream: 'del', startTime: T0, status: 'recording' }, true);
      const { status, body } = await del(row.id);
      expect(status).toBe(409);
      expect(body).toMatchObject({ error: 'conflict' });
      expect(existsSync(join(mediaRoot, row.storageKey))).toBe(true);
      expect(await catalog.recordings.get(row.id)).toBeDefined();
    });
  });

  describe('validation', () => {
    it.each([
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['format=avi', 'format'],
      ['sort=newest', 'sort'],
      ['status=open', 'status'],
      ['from=yesterday', 'from'],
      ['to=2025-06-01T08:00:00', 'to'],
      [`from=${T0}&to=${T0 - 1}`, 'to'],
      ['cursor=not-a-cursor', 'cursor'],
      ['strem=s1', 'strem'],
      [`stream=${'x'.repeat(129)}`, 'stream'],
    ])('?%s → 400 naming "%s"', async (query, param) => {
      const { status, body } = await api<{ error: string; message: string }>(`/api/v1/recordings?${query}`);
      expect(status).toBe(400);
      expect(body.error).toBe('bad_request');
      expect(body.message).toContain(`"${param}"`);
    });

    it.each([
      ['GET', 'abc'],
      ['DELETE', '12345678901234567890123'],
    ])('%s /recordings/%s → 400 naming "id"', async (method, id) => {
      const { status, body } = await api<{ message: string }>(`/api/v1/recordings/${id}`, { method });
      expect(status).toBe(400);
      expect(body.message).toContain('"id"');
    });

    it('names the bad body parameter of the settings route', async () => {
      const put = (body: unknown) =>
        api<{ message: string }>('/api/v1/settings/recording', {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      expect((await put({ formats: ['avi'] })).body.message).toContain('formats');
      expect((await put({ formats: ['flv'], intervalSec: 1 })).body.message).toContain('"intervalSec"');
      expect((await put({ formats: ['flv'], interval: 60 })).body.message).toContain('"interval"');
      const ok = await put({ formats: 'flv|mp4', intervalSec: 600 });
      expect(ok).toEqual({
        status: 200,
        body: { formats: ['flv', 'mp4'], intervalSec: 600, hlsResumeWindowSec: 0 },
      });
    });
  });
});
