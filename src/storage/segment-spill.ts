/**
 * Where the segments of a live DVR window wait on disk: one temporary folder per push under
 * `DATA_DIR/live-dvr/`, `{seq}.ts` inside. Each segment is written while it is being built (gathered
 * like a recording file), so a stream holds none of its segments in memory; a finished segment is read
 * back through the page cache. Nothing here outlives the process: the folder of a push goes when its
 * playlist expires, and the whole root is emptied at start (a crash leaves folders behind).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendFile } from './append-file.js';
import { LocalTarget } from './local-target.js';
import { type StorageTarget, storageErrorCode } from './target.js';

export const SPILL_FOLDER = 'live-dvr';

/** Scratch files: gathered like recordings, never forced to the disk (nothing of them survives a restart). */
const SPILL_FILE_OPTIONS = {
  syncIntervalMs: 0,
  syncOnClose: false,
  coalesceBytes: 256 * 1024,
  coalesceMs: 250,
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
export function spillTarget(dataDir: string): LocalTarget {
  return new LocalTarget(join(dataDir, SPILL_FOLDER));
}

export class SegmentSpill {
  private readonly folder: string;
  private open: { seq: number; file: AppendFile; lost: boolean } | undefined;
  /** Segments whose file is still being written or closed; a read or removal waits for it. */
  private readonly closing = new Map<number, Promise<void>>();
  /** Bytes handed to the files and not yet written. */
  private backlog = 0;
  private readonly pending = {
    change: (delta: number) => {
      this.backlog += delta;
    },
  };
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
    const file = AppendFile.create(this.target, this.key(seq), SPILL_FILE_OPTIONS, this.pending);
    const open = { seq, file, lost: false };
    file.onError = (error) => this.lose(open, error);
    this.open = open;
  }

  append(bytes: Buffer): void {
    const open = this.open;
    if (!open || open.lost) return;
    if (this.backlog + bytes.length > MAX_SPILL_BACKLOG_BYTES) {
      const behind = `${MAX_SPILL_BACKLOG_BYTES / 1024 / 1024} MiB are waiting for the disk`;
      this.lose(open, new Error(`live DVR segment ${open.seq} given up: ${behind}`));
      return;
    }
    open.file.write(bytes);
  }

  /** The open segment is complete: its file is closed (in the background). */
  end(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
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
    await Promise.allSettled([...this.closing.values()]);
    await this.target.remove(this.folder);
  }

  private lose(open: { seq: number; lost: boolean }, error: Error): void {
    if (open.lost) return;
    open.lost = true;
    this.onError(open.seq, error);
  }

  private key(seq: number): string {
    return `${this.folder}/${seq}.ts`;
  }
}
