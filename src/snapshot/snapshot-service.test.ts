import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCatalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import { StreamHub } from '../live/hub.js';
import { createLogger } from '../log.js';
import { mediaFilesOf } from '../storage/media-files.js';
import { MediaStore } from '../storage/media-store.js';
import { SnapshotService, snapshotAvailability } from './snapshot-service.js';

const DAY_MS = 86_400_000;

describe('SnapshotService', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('prunes snapshots older than RETENTION_DAYS, file and row, and keeps the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livetape-snapshots-'));
    dirs.push(dir);
    const catalog = await openCatalog({ dataDir: dir });
    const store = new MediaStore(join(dir, 'media'));
    const now = Date.UTC(2026, 0, 10);
    const add = async (ageDays: number) => {
      const createdAt = now - ageDays * DAY_MS;
      const key = await store.proposeKey(
        { app: 'live', stream: 's', stem: 's-screenshot', startedAt: new Date(createdAt), format: 'jpg' },
        0,
      );
      await writeFile(store.pathOf(key), 'jpeg');
      const row = {
        id: newFileId(),
        app: 'live',
        stream: 's',
        sessionId: 'x',
        streamParam: '',
        storageKey: key,
        width: 2,
        height: 2,
        sizeBytes: 4,
        createdAt,
      };
      await catalog.snapshots.insert(row);
      return row;
    };
    const old = [await add(5), await add(3)];
    const recent = await add(1);
    let days = 0;
    const service = await SnapshotService.start({
      hub: new StreamHub({ enabled: false, maxBytes: 0 }),
      catalog,
      store,
      files: mediaFilesOf(store, undefined),
      log: createLogger('silent'),
      intervalSec: 0,
      width: 0,
      height: 0,
      retentionDays: () => days,
    });
    try {
      expect(await service.prune(now)).toBe(0); // RETENTION_DAYS 0 keeps them forever
      days = 2;
      expect(await service.prune(now)).toBe(2);
      for (const row of old) {
        expect(existsSync(store.pathOf(row.storageKey))).toBe(false);
        expect(await catalog.snapshots.byStorageKey(row.storageKey)).toBeUndefined();
      }
      expect(existsSync(store.pathOf(recent.storageKey))).toBe(true);
      expect(await catalog.snapshots.byStorageKey(recent.storageKey)).toEqual(recent);
    } finally {
      await service.close();
      await catalog.close();
    }
  });

  it('says why snapshots are off', async () => {
    await expect(snapshotAvailability(0)).resolves.toEqual({
      enabled: false,
      reason: 'SNAPSHOT_INTERVAL is 0',
    });
    await expect(snapshotAvailability(5, '/nonexistent/ffmpeg')).resolves.toEqual({
      enabled: false,
      reason: '/nonexistent/ffmpeg is not on the PATH',
    });
    await expect(snapshotAvailability(5)).resolves.toEqual({ enabled: true });
  });
});
