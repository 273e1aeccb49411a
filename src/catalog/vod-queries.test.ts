/**
 * The playback queries (broadcasts, the Tencent file list, lookup by storage key) against real
 * databases, SQLite and a throw-away PostgreSQL cluster, with identical cases; and on SQLite, that each
 * is served by walking an index rather than sorting or scanning the table.
 */
import type { Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogEngines } from '../../test/helpers/catalog-engines.js';
import { addRecording } from '../../test/helpers/catalog-rows.js';
import { NO_POSTGRES, skipUnable } from '../../test/helpers/needs.js';
import { sqlitePlan } from '../../test/helpers/query-plan.js';
import { listQuery } from './broadcasts.js';
import { type Catalog, openCatalog } from './db.js';
import type { RecordingRow } from './recording-row.js';

const T0 = 1_750_000_000_000;
const MINUTE = 60_000;

const engines = catalogEngines('livetape-vod-queries-');

describe.each(engines.each)('playback queries on %s', (_engine, target) => {
  let catalog: Catalog;
  /** Broadcasts in the order they started: b1 (3 files) and b2 (2 files) of s1, b3 of s2 (still recording). */
  const rows: Record<string, RecordingRow[]> = {};

  beforeAll(async () => {
    const options = await target();
    if (!options) return;
    catalog = await openCatalog(options);
    const add = async (
      broadcastId: string,
      stream: string,
      minute: number,
      extra: { status?: 'recording'; format?: 'mp4' | 'hls' } = {},
    ) => {
      const row = await addRecording(catalog, {
        stream,
        broadcastId,
        startTime: T0 + minute * MINUTE,
        durationMs: MINUTE,
        format: extra.format ?? 'mp4',
        status: extra.status,
      });
      rows[broadcastId] = [...(rows[broadcastId] ?? []), row];
    };
    await add('b1', 's1', 0);
    await add('b1', 's1', 0, { format: 'hls' });
    await add('b1', 's1', 1);
    await add('b2', 's1', 10);
    await add('b2', 's1', 11);
    await add('b3', 's2', 20);
    await add('b3', 's2', 21, { status: 'recording' });
  });
  afterAll(async () => {
    await catalog?.close();
  });

  const skip = () => catalog === undefined;

  it('lists broadcasts newest first by their first file, filtered and paged', async (ctx) => {
    if (skip()) return skipUnable(ctx, 'postgres', NO_POSTGRES);
    const all = await catalog.broadcasts.list({ limit: 10 });
    expect(all).toEqual([
      { id: 'b3', firstFileId: rows.b3![0]!.id },
      { id: 'b2', firstFileId: rows.b2![0]!.id },
      { id: 'b1', firstFileId: rows.b1![0]!.id },
    ]);
    expect((await catalog.broadcasts.list({ stream: 's1', limit: 10 })).map((b) => b.id)).toEqual([
      'b2',
      'b1',
    ]);
    expect((await catalog.broadcasts.list({ app: 'other', limit: 10 })).map((b) => b.id)).toEqual([]);
    const page1 = await catalog.broadcasts.list({ limit: 2 });
    const page2 = await catalog.broadcasts.list({ limit: 2, before: page1.at(-1)!.firstFileId });
    expect([...page1, ...page2].map((b) => b.id)).toEqual(['b3', 'b2', 'b1']);
  });

  it('returns every file of the asked broadcasts, any status, in start-time order', async (ctx) => {
    if (skip()) return skipUnable(ctx, 'postgres', NO_POSTGRES);
    const files = await catalog.broadcasts.files(['b1', 'b3']);
    expect(files.map((r) => r.id)).toEqual([...rows.b1!, ...rows.b3!].map((r) => r.id));
    expect(files.at(-1)!.status).toBe('recording');
    expect(await catalog.broadcasts.files([])).toEqual([]);
    expect(await catalog.broadcasts.files(['nope'])).toEqual([]);
  });

  it('finds a recording by its exact storage key', async (ctx) => {
    if (skip()) return skipUnable(ctx, 'postgres', NO_POSTGRES);
    const row = rows.b2![1]!;
    expect(await catalog.vodFiles.findByStorageKey(row.storageKey)).toEqual(row);
    expect(await catalog.vodFiles.findByStorageKey(`${row.storageKey}x`)).toBeUndefined();
  });

  it('pages a stream’s finished files with a total, in either order, inside a window', async (ctx) => {
    if (skip()) return skipUnable(ctx, 'postgres', NO_POSTGRES);
    const list = (q: Partial<Parameters<Catalog['vodFiles']['fileList']>[0]>) =>
      catalog.vodFiles.fileList({ stream: 's1', order: 'asc', offset: 0, limit: 10, ...q });
    const s1 = [...rows.b1!, ...rows.b2!];
    expect(await list({})).toEqual({ total: 5, rows: s1 });
    expect(await list({ order: 'desc', offset: 1, limit: 2 })).toEqual({ total: 5, rows: [s1[3], s1[2]] });
    expect(await list({ from: T0 + MINUTE, to: T0 + 10 * MINUTE })).toEqual({
      total: 2,
      rows: [s1[2], s1[3]],
    });
    expect(await list({ offset: 10 })).toEqual({ total: 5, rows: [] });
    // The open file of s2 is not listed.
    expect(await list({ stream: 's2' })).toEqual({ total: 1, rows: [rows.b3![0]] });
  });

  it('knows whether a stream was ever pushed', async (ctx) => {
    if (skip()) return skipUnable(ctx, 'postgres', NO_POSTGRES);
    expect(await catalog.vodFiles.everPushed('s2')).toBe(true);
    expect(await catalog.vodFiles.everPushed('never')).toBe(false);
    await catalog.pushes.insertStarted({
      sessionId: 'p1',
      app: 'live',
      stream: 'unrecorded',
      streamParam: '',
      userIp: '127.0.0.1',
      node: 'n',
      startedAt: T0,
    });
    expect(await catalog.vodFiles.everPushed('unrecorded')).toBe(true);
  });
});

describe('playback query plans (SQLite)', () => {
  let catalog: Catalog;
  beforeAll(async () => {
    catalog = await openCatalog(await engines.sqlite());
  });
  afterAll(async () => {
    await catalog.close();
  });

  const plan = (query: Compilable) => sqlitePlan(catalog.db, query);

  it.each([
    [{ stream: 's1', limit: 20 }, 'recordings_stream_id'],
    [{ app: 'live', stream: 's1', limit: 20, before: '1750000000000000000' }, 'recordings_app_stream_id'],
    [{ limit: 20 }, 'recordings'],
  ])('broadcasts %j walk an index newest first and probe the broadcast index', async (filter, index) => {
    const detail = await plan(listQuery(catalog.db, filter));
    expect(detail).toContain(index);
    expect(detail).toContain('recordings_broadcast_id');
    expect(detail).not.toContain('TEMP B-TREE');
  });
});
