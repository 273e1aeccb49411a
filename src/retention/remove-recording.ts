/**
 * Deleting a finished recording: its file (an HLS recording's whole folder) first, then its row. In
 * that order a crash in between leaves a row whose file is gone, which the next delete finishes (removal
 * of a missing file succeeds); the other order would leave a file nothing knows about. Its poster and
 * thumbnail sprite go last (a crash before leaves them to snapshot retention).
 */
import { rmdir } from 'node:fs/promises';
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Logger } from '../log.js';
import type { DeletionCause, Metrics } from '../metrics.js';
import { posterKeyOf, spriteKeyOf } from '../snapshot/poster-maker.js';
import { dayFolderOf, mediaKey } from '../storage/layout.js';
import { type MediaFiles, mediaFilesOf } from '../storage/media-files.js';
import type { MediaStore } from '../storage/media-store.js';
import type { S3ObjectStore } from '../storage/s3-object-store.js';

export class StillRecordingError extends Error {
  override readonly name = 'StillRecordingError';
  constructor(readonly id: string) {
    super(`recording ${id} is still being written`);
  }
}

export interface RemoverDeps {
  catalog: Catalog;
  store: MediaStore;
  /** With STORAGE=s3: the bucket copy goes too (before the row, like the file). */
  objects?: S3ObjectStore;
  log: Logger;
  metrics?: Metrics;
}

const DAY_MS = 86_400_000;

export class RecordingRemover {
  private readonly files: MediaFiles;

  constructor(private readonly deps: RemoverDeps) {
    this.files = mediaFilesOf(deps.store, deps.objects);
  }

  /**
   * Removes a finished (`done` or `failed`) recording's media and row; throws StillRecordingError for an open one (its
   * recorder still writes there). Storage failures are counted and rethrown; the row then stays.
   */
  async remove(row: RecordingRow, cause: DeletionCause): Promise<void> {
    if (row.status === 'recording') throw new StillRecordingError(row.id);
    const key = mediaKey(row);
    try {
      await this.deps.objects?.delete(key, { folder: row.format === 'hls' });
      await this.deps.store.remove(key);
    } catch (error) {
      this.deps.metrics?.storageFailed('delete');
      throw error;
    }
    await this.deps.catalog.recordings.delete(row.id);
    await this.removePictures(row);
    await this.pruneDayFolder(key);
    this.deps.metrics?.recordingDeleted(row, cause);
    this.deps.log.debug({ id: row.id, key, sizeBytes: row.sizeBytes, cause }, 'recording deleted');
  }

  /** The recording's poster and thumbnail sprite (snapshot rows), from the bucket too with STORAGE=s3. */
  private async removePictures(row: RecordingRow): Promise<void> {
    const { catalog } = this.deps;
    for (const key of [posterKeyOf(row.storageKey), spriteKeyOf(row.storageKey)]) {
      const picture = await catalog.snapshots.byStorageKey(key);
      if (picture === undefined) continue;
      await this.files.remove(key);
      await catalog.snapshots.delete(picture.id);
    }
  }

  /**
   * Retention empties day folders (`{app}/{stream}/{YYYY-MM-DD}`); without this, years of them would
   * stay behind. Only days before yesterday (UTC) are pruned: a recorder may still be creating a file
   * in today's or yesterday's folder, and would fail if the folder vanished under it.
   */
  private async pruneDayFolder(key: string): Promise<void> {
    const day = dayFolderOf(key);
    if (!day || Date.parse(day.day) >= Date.now() - 2 * DAY_MS) return;
    await rmdir(this.deps.store.pathOf(day.folder)).catch(() => {
      // Not empty (other files of that day), or already gone: either way nothing to do.
    });
  }
}
