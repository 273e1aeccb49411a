/**
 * Copies spool files into the object store (STORAGE=s3), driven by the `uploads` outbox. One worker
 * per process; any number of processes share the outbox. A `recording` job stores a finished file (for
 * HLS: every segment its final playlist lists, then the playlist), then in one transaction makes the row
 * `done` and writes its callback, and only then removes the spool copy (unless S3_KEEP_LOCAL). A failed
 * attempt is retried with capped exponential backoff, for as long as it takes: an outage delays uploads
 * and callbacks and loses nothing.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path/posix';
import type { Catalog } from '../catalog/db.js';
import type { FinishExtra } from '../catalog/recordings.js';
import type { UploadRow } from '../catalog/uploads.js';
import { parseMediaPlaylist } from '../container/hls/playlist.js';
import type { Logger } from '../log.js';
import { PLAYLIST_NAME, playlistKeyOfSegment } from './layout.js';
import type { MediaStore } from './media-store.js';
import { playlistPrefix } from './playlist-prefix.js';
import type { S3ObjectStore } from './s3-object-store.js';

export interface UploadWorkerOptions {
  readonly catalog: Catalog;
  readonly objects: S3ObjectStore;
  readonly spool: MediaStore;
  readonly keepLocal: boolean;
  /** Runs in the transaction that makes a stored recording `done` (the callback outbox row). */
  readonly onFinishing?: FinishExtra;
  /** `{node}:{pid}:{random}`. */
  readonly claimer: string;
  readonly log: Logger;
  /** Jobs in flight at once (S3_UPLOAD_CONCURRENCY); free slots are filled by one claim each time. */
  readonly concurrency: number;
  /** Poll period when idle, for jobs of other nodes and retries; this node's jobs `wake()` it at once. */
  readonly pollMs?: number;
}

/** What the worker reports, for metrics. */
export interface UploadStats {
  uploaded(bytes: number): void;
  uploadFailed(): void;
}

/** How long a claim excludes other workers: longer than any one upload. */
const LEASE_MS = 15 * 60_000;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

const CONTENT_TYPES: Record<string, string> = {
  flv: 'video/x-flv',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  ts: 'video/mp2t',
  m3u8: 'application/vnd.apple.mpegurl',
};

export class UploadWorker {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private claimRound: Promise<void> | undefined;
  /** A wake came while a claim was in flight: claim again when it returns. */
  private again = false;
  /** Jobs done since the last claim: the next claim deletes them in its own transaction. */
  private finished: string[] = [];
  /** The live HLS job in flight per folder (a folder's jobs run one at a time, on this node only). */
  private readonly liveInFlight = new Map<string, Promise<void>>();
  private closed = false;
  /** Where upload counts go (metrics, made after the recorder this worker serves). */
  stats: UploadStats | undefined;
  /** The last failure, for health and the console; cleared by the next success. */
  lastError: { readonly message: string; readonly at: number } | undefined;

  constructor(private readonly options: UploadWorkerOptions) {}

  /** Starts claiming; claims a crashed run of this node held are released first. */
  async start(node: string): Promise<void> {
    const released = await this.options.catalog.uploads.releaseClaimsOfNode(node, Date.now());
    if (released > 0) this.options.log.info({ released }, 'upload jobs of a crashed run released');
    this.wake();
  }

  /** Claims due jobs into the free slots now (a job was queued, or one finished). */
  wake(): void {
    if (this.closed) return;
    if (this.claimRound) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.again = false;
    this.claimRound = this.claimIntoFreeSlots().then((more) => {
      this.claimRound = undefined;
      if (this.closed) return;
      if (more || this.again) this.wake();
      else {
        // For other nodes' jobs and retries; this node's own jobs wake the worker at once.
        this.timer = setTimeout(() => this.wake(), this.options.pollMs ?? 500);
        this.timer.unref();
      }
    });
  }

  /** Waits for the jobs in flight; later jobs stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.claimRound;
    await Promise.all(this.inFlight);
    const finished = this.finished.splice(0);
    // Not deleted, they would only be run once more after the restart (uploads are idempotent).
    await this.options.catalog.uploads
      .complete(finished)
      .catch((err) => this.options.log.warn({ err }, 'could not delete finished upload jobs'));
  }

  /** One claim for as many jobs as there are free slots; true when it filled them all (more may be due). */
  private async claimIntoFreeSlots(): Promise<boolean> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return false; // a finishing job wakes the worker
    const { catalog, claimer, log } = this.options;
    let claims: UploadRow[];
    const finished = this.finished.splice(0);
    try {
      claims = await catalog.uploads.claimDue(
        { now: Date.now(), leaseMs: LEASE_MS, claimer, limit: free },
        finished,
      );
    } catch (err) {
      this.finished.push(...finished);
      log.warn({ err }, 'could not claim upload jobs');
      return false;
    }
    for (const claim of claims) {
      const job = this.attempt(claim).finally(() => {
        if (this.liveInFlight.get(claim.groupKey) === job) this.liveInFlight.delete(claim.groupKey);
        this.inFlight.delete(job);
        // Refill once half the slots are free, so one claim takes several jobs.
        if (this.inFlight.size <= this.options.concurrency / 2) this.wake();
      });
      this.inFlight.add(job);
      if (claim.kind === 'object') this.liveInFlight.set(claim.groupKey, job);
    }
    return claims.length === free;
  }

  private async attempt(claim: UploadRow): Promise<void> {
    try {
      await this.run(claim);
      this.lastError = undefined;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.lastError = { message, at: Date.now() };
      this.stats?.uploadFailed();
      const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(claim.attempts - 1, 16));
      this.options.log.warn(
        { err, key: claim.storageKey, attempt: claim.attempts, retryInMs: delay },
        'upload failed; will retry',
      );
      await this.options.catalog.uploads
        .retryLater(claim, Date.now() + delay, message.slice(0, 500))
        .catch((error) => this.options.log.warn({ err: error }, 'could not record an upload failure'));
    }
  }

  private async run(claim: UploadRow): Promise<void> {
    const { catalog } = this.options;
    if (claim.kind === 'object') {
      // A segment or live playlist whose recording has since been finished (and its spool removed) or
      // deleted has nothing left to copy; the recording's own job covers what matters.
      const { spool } = this.options;
      if (await exists(spool.pathOf(claim.storageKey))) {
        if (claim.storageKey.endsWith(`/${PLAYLIST_NAME}`)) await this.putLivePlaylist(claim);
        else {
          await this.put(claim.storageKey);
          // A live segment's job was queued with the playlist write that lists it: that goes next.
          const playlist = playlistKeyOfSegment(claim.storageKey);
          if (playlist !== undefined && (await exists(spool.pathOf(playlist))))
            await this.putLivePlaylist(claim, playlist);
        }
      }
      this.finished.push(claim.id);
      return;
    }
    if (claim.status === 'pending') {
      const row = await catalog.recordings.get(claim.groupKey);
      if (row === undefined || row.status === 'done') {
        this.finished.push(claim.id);
        return;
      }
      if (row.format === 'hls') {
        // The live jobs of its folder are superseded: this job stores every segment the bucket lacks and
        // the final playlist. One still running must not store its (cut, unended) playlist after that.
        const folder = dirname(row.storageKey);
        await catalog.uploads.dropUnclaimed(folder, Date.now());
        await this.liveInFlight.get(folder);
        await this.putHlsRecording(row.storageKey);
      } else await this.put(row.storageKey);
      const stored = await catalog.recordings.finishStored(row.id, async (trx, done) => {
        if (!(await catalog.uploads.markStored(claim, trx))) throw new Error('upload claim lost');
        if (claim.announce) await this.options.onFinishing?.(trx, done);
      });
      this.options.log.info(
        { id: row.id, key: row.storageKey, done: stored !== undefined },
        'recording stored',
      );
    }
    // Stored and `done`: only the spool copy is left.
    if (!this.options.keepLocal) {
      // An HLS recording's key is its playlist; its spool copy is the whole folder.
      const hls = claim.storageKey.endsWith('.m3u8');
      await this.options.spool.remove(hls ? dirname(claim.storageKey) : claim.storageKey);
    }
    this.finished.push(claim.id);
  }

  /** Every segment the final playlist lists (skipping ones already stored whole), then the playlist. */
  private async putHlsRecording(playlistKey: string): Promise<void> {
    const folder = dirname(playlistKey);
    const playlist = parseMediaPlaylist(await readFile(this.options.spool.pathOf(playlistKey), 'utf8'));
    const stored = await this.options.objects.sizesIn(folder);
    for (const segment of playlist.segments) {
      const key = `${folder}/${segment.uri}`;
      const local = await stat(this.options.spool.pathOf(key));
      if (stored.get(key) !== local.size) await this.put(key);
    }
    await this.put(playlistKey);
  }

  /**
   * The live playlist as the spool has it, cut before the first segment whose job is still queued
   * (playlist-prefix.ts): jobs of the folder run in order and each segment's job is queued before any
   * playlist lists it, so every segment the cut playlist names is in the bucket already.
   */
  private async putLivePlaylist(claim: UploadRow, playlistKey = claim.storageKey): Promise<void> {
    const folder = dirname(playlistKey);
    const text = await readFile(this.options.spool.pathOf(playlistKey), 'utf8');
    const queued = new Set(
      (await this.options.catalog.uploads.listOf(claim.groupKey))
        .filter((job) => job.id !== claim.id)
        .map((job) => job.storageKey),
    );
    const data = Buffer.from(playlistPrefix(text, (uri) => !queued.has(`${folder}/${uri}`)));
    await this.options.objects.putBytes(playlistKey, data, CONTENT_TYPES.m3u8!);
    this.stats?.uploaded(data.length);
  }

  private async put(key: string): Promise<void> {
    const extension = key.slice(key.lastIndexOf('.') + 1);
    const stored = await this.options.objects.putFile(
      key,
      this.options.spool.pathOf(key),
      CONTENT_TYPES[extension] ?? 'application/octet-stream',
    );
    this.stats?.uploaded(stored.size);
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
