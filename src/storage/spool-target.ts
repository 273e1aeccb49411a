/**
 * The recorder's target with STORAGE=s3: the local spool, plus an upload job for each live HLS segment,
 * queued just BEFORE the playlist write that first lists it: that job stores the segment, then the
 * playlist cut before the first segment whose job is still queued (upload-worker.ts), so a recording
 * being made is already playable from the bucket at the cost of one job per segment, and the bucket's
 * playlist never names a segment the bucket lacks. Queued before the write, every segment a playlist
 * in the spool lists has its job in the outbox already (the cut sees all of them). The worker is woken
 * after the write; a job claimed before it (by another wake, or the poll) leaves the bucket's playlist
 * one segment behind until the next job. A playlist write that
 * lists no new segment is a job of its own. Whole files (FLV, MP4, AAC, the final HLS recording) are
 * queued when they are cataloged instead (see object-storage.ts), since only then are they final.
 */
import { PLAYLIST_NAME, parentKey, playlistKeyOfSegment } from './layout.js';
import type { StorageTarget, StoredObjectInfo, TargetFile } from './target.js';

/** Queues spool objects for upload, in this order, in one catalog write; `group` orders the jobs of one HLS folder. */
export type QueueUpload = (group: string, keys: readonly string[]) => Promise<void>;

/** The playlist write that jobs were queued for has landed in the spool: start uploading them. */
export type UploadsQueued = () => void;

export class UploadingSpoolTarget implements StorageTarget {
  readonly description: string;
  /** Segments closed since their folder's playlist was last written, by folder. */
  private readonly closedSegments = new Map<string, string[]>();

  constructor(
    private readonly spool: StorageTarget,
    private readonly queue: QueueUpload,
    private readonly queued: UploadsQueued = () => undefined,
  ) {
    this.description = `${spool.description}, uploaded to object storage`;
  }

  async create(key: string): Promise<TargetFile> {
    const file = await this.spool.create(key);
    if (playlistKeyOfSegment(key) === undefined) return file;
    let closed = false;
    return {
      key: file.key,
      append: (buffers) => file.append(buffers),
      ...(file.appendNow && {
        canAppendNow: () => file.canAppendNow?.() ?? true,
        appendNow: (buffers: readonly Buffer[]) => file.appendNow!(buffers),
      }),
      patch: (position, data) => file.patch(position, data),
      sync: () => file.sync(),
      close: async () => {
        await file.close();
        if (closed) return;
        closed = true;
        const folder = parentKey(key);
        this.closedSegments.set(folder, [...(this.closedSegments.get(folder) ?? []), key]);
      },
    };
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    const playlist = key.endsWith(`/${PLAYLIST_NAME}`);
    if (playlist) await this.queueFor(key);
    // Woken after the write, a job finds its segment listed (woken before, its playlist lags one behind).
    await this.spool.put(key, data).finally(() => playlist && this.queued());
  }

  /** The bucket has no append: the grown object is uploaded whole, as after a `put`. */
  async appendTo(key: string, data: Buffer | string): Promise<void> {
    const playlist = key.endsWith(`/${PLAYLIST_NAME}`);
    if (playlist) await this.queueFor(key);
    await this.spool.appendTo(key, data).finally(() => playlist && this.queued());
  }

  /** Queues the segments the coming playlist write lists for the first time (each job stores the playlist after it). */
  private async queueFor(key: string): Promise<void> {
    const folder = parentKey(key);
    const segments = this.closedSegments.get(folder) ?? [];
    this.closedSegments.delete(folder);
    await this.queue(folder, segments.length === 0 ? [key] : segments);
  }

  reopen(key: string): Promise<TargetFile> {
    return this.spool.reopen(key);
  }

  truncate(key: string, length: number): Promise<void> {
    return this.spool.truncate(key, length);
  }

  read(key: string, start?: number, end?: number): Promise<Buffer> {
    return this.spool.read(key, start, end);
  }

  stat(key: string): Promise<StoredObjectInfo | undefined> {
    return this.spool.stat(key);
  }

  list(prefix: string): Promise<StoredObjectInfo[]> {
    return this.spool.list(prefix);
  }

  rename(from: string, to: string): Promise<void> {
    return this.spool.rename(from, to);
  }

  remove(key: string): Promise<void> {
    return this.spool.remove(key);
  }
}
