/**
 * Where the segments of a live DVR window wait on disk: one temporary folder per push under
 * `DATA_DIR/live-dvr/`, `{seq}.rec` inside (the segment's media records, muxed to MPEG-TS when a player
 * asks: container/hls/media-records.ts). Each segment is written while it is being built, so a stream
 * holds none of its segments in memory; a finished segment is read back through the page cache. Nothing
 * here outlives the process: the folder of a push goes when its playlist expires, and the whole root is
 * emptied at start (a crash leaves folders behind).
 *
 * The bytes are copied into a staging buffer of `STAGING_BYTES` and each full buffer is written in one
 * call; a written buffer is filled again. Every push spills all the time (the DVR is on by default), so
 * this is the path where a per-write cost or a per-frame allocation is paid by every stream: gathering by
 * size instead of by timer leaves no timer per stream, and reusing the buffers leaves the garbage
 * collector nothing to do (see docs/decisions/0029-dvr-spill-writes.md).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendFile, type PendingBytes } from './append-file.js';
import type { DirectWriteGate } from './direct-writes.js';
import { LocalTarget } from './local-target.js';
import { type StorageTarget, storageErrorCode } from './target.js';

export const SPILL_FOLDER = 'live-dvr';

/**
 * Bytes per write. A 2.5 Mbps stream fills one in ~0.4 s: ~10 writes per 4 s segment where gathering for
 * 250 ms made 16, and 128 KiB per stream is about what those 250 ms held in memory anyway.
 */
export const STAGING_BYTES = 128 * 1024;

/** Scratch files, never forced to the disk (nothing of them survives a restart); the spill gathers itself. */
const SPILL_FILE_OPTIONS = {
  syncIntervalMs: 0,
  syncOnClose: false,
  coalesceBytes: 1,
  coalesceMs: 0,
  stallTimeoutMs: 30_000,
};

/**
 * Bytes of one push that may wait for the disk; past it the disk is not keeping up, and the segment being
 * built is given up (the live stream and its recordings go on, the window is cut) rather than memory grown.
 */
export const MAX_SPILL_BACKLOG_BYTES = 16 * 1024 * 1024;

/** Empties the spill root of a data folder; called once at start, before any push. */
export async function clearSpillRoot(dataDir: string): Promise<void> {
  await rm(join(dataDir, SPILL_FOLDER), { recursive: true, force: true });
}

/** The spill root of a data folder, as a storage target. */
export function spillTarget(dataDir: string, directWrites?: DirectWriteGate): LocalTarget {
  return new LocalTarget(join(dataDir, SPILL_FOLDER), directWrites);
}

/** A segment's file, and the staging buffers handed to it, oldest first, until they are written. */
interface OpenSegment {
  readonly seq: number;
  file: AppendFile;
  readonly unwritten: Array<{ buffer: Buffer; length: number }>;
  /** Bytes written beyond the buffers already freed (when a batch ends inside one). */
  writtenAhead: number;
  lost: boolean;
}

export class SegmentSpill {
  private readonly folder: string;
  private open: OpenSegment | undefined;
  /** Segments whose file is still being written or closed; a read or removal waits for it. */
  private readonly closing = new Map<number, Promise<void>>();
  /** Bytes handed to the files and not yet written. */
  private backlog = 0;
  /** The staging buffer being filled, and how much of it is. */
  private staging: Buffer | undefined;
  private staged = 0;
  /** A written staging buffer, kept to be filled again (one is enough: a write takes far less than a fill). */
  private spare: Buffer | undefined;
  private removed = false;

  /**
   * @param target the spill root (`spillTarget`; a MemoryTarget in tests).
   * @param pushId a push's unique session id (names its folder).
   * @param onError segment `seq` could not be written whole: it must not be served.
   */
  constructor(
    private readonly target: StorageTarget,
    pushId: string,
    private readonly onError: (seq: number, error: Error) => void,
  ) {
    this.folder = pushId.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  /** Starts segment `seq`'s file; what `append` gets from now on goes into it. */
  begin(seq: number): void {
    this.end();
    if (this.removed) return;
    const progress: PendingBytes = { change: (delta) => this.progress(open, delta) };
    const file = AppendFile.create(this.target, this.key(seq), SPILL_FILE_OPTIONS, progress);
    const open: OpenSegment = { seq, file, unwritten: [], writtenAhead: 0, lost: false };
    open.file.onError = (error) => this.lose(open, error);
    this.open = open;
  }

  /** Copies `bytes` into the open segment (the caller may reuse them as soon as this returns). */
  append(bytes: Buffer): void {
    const open = this.open;
    if (!open || open.lost) return;
    if (this.backlog + this.staged + bytes.length > MAX_SPILL_BACKLOG_BYTES) {
      const behind = `${MAX_SPILL_BACKLOG_BYTES / 1024 / 1024} MiB are waiting for the disk`;
      this.lose(open, new Error(`live DVR segment ${open.seq} given up: ${behind}`));
      return;
    }
    let from = 0;
    while (from < bytes.length) {
      this.staging ??= this.spare ?? Buffer.allocUnsafeSlow(STAGING_BYTES);
      if (this.staging === this.spare) this.spare = undefined;
      const copied = bytes.copy(this.staging, this.staged, from);
      this.staged += copied;
      from += copied;
      if (this.staged === STAGING_BYTES) this.writeStaged(open);
    }
  }

  /** The open segment is complete: its file is closed (in the background). */
  end(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    // A lost segment's staged bytes go nowhere; the next segment starts empty.
    if (open.lost) this.staged = 0;
    else if (this.staged > 0) this.writeStaged(open);
    const closed = open.file.close().finally(() => this.closing.delete(open.seq));
    this.closing.set(open.seq, closed);
  }

  /** The segment's bytes, or undefined when it is not (or no longer) on disk. */
  async read(seq: number): Promise<Buffer | undefined> {
    await this.closing.get(seq);
    try {
      return await this.target.read(this.key(seq));
    } catch (error) {
      if (storageErrorCode(error) === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(seq: number): Promise<void> {
    await this.closing.get(seq);
    await this.target.remove(this.key(seq));
  }

  /** Removes the push's folder once the files being written are closed. */
  async removeAll(): Promise<void> {
    this.removed = true;
    this.end();
    this.staging = undefined;
    this.spare = undefined;
    await Promise.allSettled([...this.closing.values()]);
    await this.target.remove(this.folder);
  }

  /** Hands what is staged to the open segment's file; the buffer comes back once it is written. */
  private writeStaged(open: OpenSegment): void {
    const buffer = this.staging!;
    open.unwritten.push({ buffer, length: this.staged });
    open.file.write(buffer.subarray(0, this.staged));
    this.staging = undefined;
    this.staged = 0;
  }

  /**
   * The file's bytes waiting for the disk changed by `delta`. Written bytes free the staging buffers they
   * came from, oldest first; a failed file's buffers are dropped, not reused (a write the store gave up
   * on may still be reading one).
   */
  private progress(open: OpenSegment, delta: number): void {
    this.backlog += delta;
    if (delta >= 0) return;
    if (open.file.failure) {
      open.unwritten.length = 0;
      return;
    }
    let written = open.writtenAhead - delta;
    while (open.unwritten.length > 0 && written >= open.unwritten[0]!.length) {
      const { buffer, length } = open.unwritten.shift()!;
      written -= length;
      if (!this.removed) this.spare = buffer;
    }
    open.writtenAhead = written;
  }

  private lose(open: OpenSegment, error: Error): void {
    if (open.lost) return;
    open.lost = true;
    this.onError(open.seq, error);
  }

  private key(seq: number): string {
    return `${this.folder}/${seq}.rec`;
  }
}
