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
import type { MediaStore } from './media-store.js';
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
  /** Poll period when idle; `wake()` starts a round at once. */
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
const BATCH = 4;

const CONTENT_TYPES: Record<string, string> = {
  flv: 'video/x-flv',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  ts: 'video/mp2t',
  m3u8: 'application/vnd.apple.mpegurl',
};

export class UploadWorker {
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Where upload counts go (metrics, made after the recorder this worker serves). */
  stats: UploadStats | undefined;
  /** The last failure, for health and the console; cleared by the next success. */
  lastError: { readonly message: string; readonly at: number } | undefined;

  constructor(private readonly options: UploadWorkerOptions) {}

  /** Starts polling; claims a crashed run of this node held are released first. */
  async start(node: string): Promise<void> {
    const released = await this.options.catalog.uploads.releaseClaimsOfNode(node, Date.now());
    if (released > 0) this.options.log.info({ released }, 'upload jobs of a crashed run released');
    this.schedule(0);
  }

  wake(): void {
    if (this.closed) return;
    if (this.round) this.again = true;
    else this.schedule(0);
  }

  /** Waits for the round in flight; later jobs stay in the outbox for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.round;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.round = this.runRound().finally(() => {
        this.round = undefined;
        if (this.closed) return;
        const next = this.again ? 0 : (this.options.pollMs ?? 500);
        this.again = false;
        this.schedule(next);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    const { catalog, claimer, log } = this.options;
    let claims: UploadRow[];
    try {
      claims = await catalog.uploads.claimDue({ now: Date.now(), leaseMs: LEASE_MS, claimer, limit: BATCH });
    } catch (err) {
      log.warn({ err }, 'could not claim upload jobs');
      return;
    }
    await Promise.all(claims.map((claim) => this.attempt(claim)));
    if (claims.length === BATCH) this.again = true;
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
      const path = this.options.spool.pathOf(claim.storageKey);
      if (await exists(path)) await this.put(claim.storageKey);
      await catalog.uploads.complete(claim);
      return;
    }
    if (claim.status === 'pending') {
      const row = await catalog.recordings.get(claim.groupKey);
      if (row === undefined || row.status === 'done') {
        await catalog.uploads.complete(claim);
        return;
      }
      if (row.format === 'hls') await this.putHlsRecording(row.storageKey);
      else await this.put(row.storageKey);
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
    await catalog.uploads.complete(claim);
  }

  /** Every segment the final playlist lists (skipping ones already stored whole), then the playlist. */
  private async putHlsRecording(playlistKey: string): Promise<void> {
    const folder = dirname(playlistKey);
    const playlist = parseMediaPlaylist(await readFile(this.options.spool.pathOf(playlistKey), 'utf8'));
    for (const segment of playlist.segments) {
      const key = `${folder}/${segment.uri}`;
      const local = await stat(this.options.spool.pathOf(key));
      const remote = await this.options.objects.head(key);
      if (remote?.size !== local.size) await this.put(key);
    }
    await this.put(playlistKey);
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
