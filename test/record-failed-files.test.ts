/**
 * No recording is lost silently: after a crash, a file that cannot be repaired is kept and cataloged
 * `failed` with the error (listed by `?status=failed`, left out of the finished files), a file that
 * holds nothing is removed with its row, and a file whose row was never inserted is swept — nothing stays
 * open, empty or uncataloged.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../src/catalog/db.js';
import { newFileId } from '../src/catalog/ids.js';
import { apiGet } from './helpers/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Row {
  id: string;
  status: string;
  reason: string | null;
  error: string | null;
  storageKey: string;
}

const TORN = 'live/torn/2026-01-01/torn_20260101-000000.mp4';
const EMPTY = 'live/torn/2026-01-01/torn_20260101-000100.flv';
/** Created just before a crash, before its row was inserted: no row names it. */
const UNCATALOGED = 'live/torn/2026-01-01/torn_20260101-000200.flv';
const UNCATALOGED_HLS = 'live/torn/2026-01-01/torn_20260101-000200/.reserve';
/** Just as rowless, but written a moment ago: maybe another process's file about to be cataloged. */
const YOUNG = 'live/torn/2026-01-01/torn_20260101-000300.mp4';
const POSTER = 'live/torn/2026-01-01/torn_20260101-000200-poster.jpg';

describe('files a crash left that cannot be recovered', () => {
  let dataDir: string;
  let t: TestServer;
  const ids = { torn: newFileId(), empty: newFileId() };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'livetape-failed-'));
    const catalog = await openCatalog({ dataDir, databaseUrl: '' });
    for (const [id, key] of [
      [ids.torn, TORN],
      [ids.empty, EMPTY],
    ] as const) {
      await catalog.recordings.insertOpen({
        id,
        app: 'live',
        stream: 'torn',
        format: key.endsWith('.mp4') ? 'mp4' : 'flv',
        storageKey: key,
        startTime: Date.parse('2026-01-01T00:00:00Z'),
        sessionId: 's',
        broadcastId: 's',
      });
      await mkdir(dirname(join(dataDir, 'media', key)), { recursive: true });
    }
    await catalog.close();
    // An MP4 whose bytes are not MP4 at all (no complete moov, no fragment): it cannot be repaired.
    await writeFile(join(dataDir, 'media', TORN), Buffer.alloc(4096, 0xab));
    await writeFile(join(dataDir, 'media', EMPTY), Buffer.alloc(0));
    const anHourAgo = new Date(Date.now() - 3600_000);
    for (const key of [UNCATALOGED, UNCATALOGED_HLS, YOUNG, POSTER]) {
      const path = join(dataDir, 'media', key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, Buffer.alloc(1024, 1));
      if (key !== YOUNG) await utimes(path, anHourAgo, anHourAgo);
    }
    t = await startTestServer({}, { dataDir });
  });

  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the unrepairable file and lists it with ?status=failed and its error', async () => {
    const failed = await apiGet<{ recordings: Row[] }>(t, '/api/v1/recordings?status=failed');
    expect(failed.recordings.map((r) => r.id)).toEqual([ids.torn]);
    expect(failed.recordings[0]).toMatchObject({ status: 'failed', reason: 'failed', storageKey: TORN });
    expect(failed.recordings[0]!.error).toMatch(/crash recovery: .*moov/);
    expect(existsSync(join(dataDir, 'media', TORN))).toBe(true);
    const done = await apiGet<{ recordings: Row[] }>(t, '/api/v1/recordings?stream=torn');
    expect(done.recordings).toEqual([]);
  });

  it('removes the file that holds nothing, with its row, and leaves no row open', async () => {
    const all = await apiGet<{ recordings: Row[] }>(t, '/api/v1/recordings?status=all');
    expect(all.recordings.map((r) => r.id)).toEqual([ids.torn]);
    expect(existsSync(join(dataDir, 'media', EMPTY))).toBe(false);
  });

  it('sweeps recording files no row names once they are older than a few minutes, and nothing else', async () => {
    const exists = (key: string) => existsSync(join(dataDir, 'media', key));
    expect(exists(UNCATALOGED)).toBe(false);
    expect(exists(dirname(UNCATALOGED_HLS))).toBe(false);
    expect(exists(YOUNG)).toBe(true);
    expect(exists(POSTER)).toBe(true);
  });
});
