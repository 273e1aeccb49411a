/**
 * The REST listing and retention queries are served by walking an index in sort order, never by sorting
 * the matches (a TEMP B-TREE in SQLite's plan). SQLite's planner is deterministic without statistics, so
 * the plans are checkable here; the rows they return are tested through the API on both engines.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlitePlan } from '../../test/helpers/query-plan.js';
import { type Catalog, openCatalog } from './db.js';
import { pageQuery, type RecordingPageQuery } from './recording-pages.js';
import { type FinishedRowsQuery, oldestFinishedQuery } from './recordings.js';

let dir: string;
let catalog: Catalog;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-pages-plan-'));
  catalog = await openCatalog({ dataDir: dir });
});
afterAll(async () => {
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

const plan = (query: Compilable) => sqlitePlan(catalog.db, query);

const after = { startTime: 1_750_000_000_000, id: '1750000000000000000' };
const window = { from: 1_749_000_000_000, to: 1_751_000_000_000 };

describe('REST listing indexes', () => {
  it.each<[string, Omit<RecordingPageQuery, 'limit'>, string]>([
    [
      'one stream, time window',
      { app: 'live', stream: 's1', status: 'done', ...window, order: 'desc' },
      'recordings_app_stream_start',
    ],
    [
      'one stream, next page',
      { app: 'live', stream: 's1', status: 'done', order: 'asc', after },
      'recordings_app_stream_start',
    ],
    [
      'a stream name in any app',
      { stream: 's1', status: 'done', ...window, order: 'desc', after },
      'recordings_stream_start',
    ],
    ['one app', { app: 'live', format: 'mp4', order: 'desc', after }, 'recordings_app_start'],
    ['one broadcast', { broadcastId: 'b1', order: 'asc' }, 'recordings_broadcast_start'],
    [
      'open files of a stream',
      { app: 'live', stream: 's1', status: 'recording', order: 'desc' },
      'recordings_app_stream_start',
    ],
    ['everything, next page', { status: 'done', order: 'desc', after }, 'recordings_start_time'],
    ['everything in a window', { ...window, order: 'asc' }, 'recordings_start_time'],
  ])('%s walks %s', async (_what, query, index) => {
    const detail = await plan(pageQuery(catalog.db, { ...query, limit: 100 }));
    expect(detail).toContain(index);
    expect(detail).not.toContain('TEMP B-TREE');
  });
});

describe('retention indexes', () => {
  it.each<[string, FinishedRowsQuery]>([
    ['expired rows', { endedBefore: 1_750_000_000_000, limit: 500 }],
    [
      'expired rows, next batch',
      { endedBefore: 1_750_000_000_000, after: { endTime: 1, id: '1' }, limit: 500 },
    ],
    ['oldest rows', { limit: 500 }],
  ])('%s walk recordings_end_time', async (_what, query) => {
    const detail = await plan(oldestFinishedQuery(catalog.db, query));
    expect(detail).toContain('recordings_end_time');
    expect(detail).not.toContain('TEMP B-TREE');
  });
});
