/**
 * The schema's indexes serve the list queries: each filter is answered by walking an index in id order,
 * never by sorting the matches (a TEMP B-TREE in SQLite's plan), which is what keeps paging flat at
 * millions of rows. SQLite's planner is deterministic without statistics, so the plan is checkable here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlitePlan } from '../../test/helpers/query-plan.js';
import { type Catalog, openCatalog } from './db.js';
import { listQuery, type RecordingFilter } from './recordings.js';
import { everPushedQuery } from './vod-files.js';

let dir: string;
let catalog: Catalog;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-catalog-plan-'));
  catalog = await openCatalog({ dataDir: dir });
});
afterAll(async () => {
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

const plan = (filter: RecordingFilter) => sqlitePlan(catalog.db, listQuery(catalog.db, filter));

describe('recordings indexes', () => {
  const cursor = '1750000000000000000';
  it.each<[string, RecordingFilter, string]>([
    ['one stream', { app: 'live', stream: 's1' }, 'recordings_app_stream_id'],
    ['one stream, next page', { app: 'live', stream: 's1', before: cursor }, 'recordings_app_stream_id'],
    ['one app', { app: 'live', format: 'hls' }, 'recordings_app_id'],
    ['one stream name in any app', { stream: 's1', before: cursor }, 'recordings_stream_id'],
    ['one broadcast', { broadcastId: 'b1' }, 'recordings_broadcast_id'],
    ['open rows', { status: 'recording' }, 'recordings_status_id'],
    ['open rows, next page', { status: 'recording', before: cursor }, 'recordings_status_id'],
    ['everything, next page', { before: cursor }, 'sqlite_autoindex_recordings_1'],
  ])('%s walks %s in id order', async (_what, filter, index) => {
    const detail = await plan(filter);
    expect(detail).toContain(index);
    expect(detail).not.toContain('TEMP B-TREE');
  });
});

describe('pushes indexes', () => {
  it('finds whether a stream was ever pushed by walking pushes_stream, not scanning', async () => {
    expect(await sqlitePlan(catalog.db, everPushedQuery(catalog.db, 's1'))).toContain(
      'SEARCH pushes USING INDEX pushes_stream (stream=?)',
    );
  });
});
