/**
 * Where the older segments of a live DVR window wait on disk: one temporary folder per push under
 * `DATA_DIR/live-dvr/`, `{seq}.ts` inside. Nothing here outlives the process: the folder of a push goes
 * when its playlist expires, and the whole root is emptied at start (a crash leaves folders behind).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SPILL_FOLDER = 'live-dvr';

/** Empties the spill root of a data folder; called once at start, before any push. */
export async function clearSpillRoot(dataDir: string): Promise<void> {
  await rm(join(dataDir, SPILL_FOLDER), { recursive: true, force: true });
}

export class SegmentSpill {
  private readonly folder: string;
  private ready: Promise<unknown> | undefined;
  /** Writes in flight: removal waits for them, so no file is written into a removed folder. */
  private readonly writing = new Set<Promise<unknown>>();
  private removed = false;

  /** @param pushId a push's unique session id (names its folder). */
  constructor(dataDir: string, pushId: string) {
    this.folder = join(dataDir, SPILL_FOLDER, pushId.replace(/[^A-Za-z0-9_-]/g, '_'));
  }

  /** Writes not finished yet (each holds a segment in memory until it is). */
  get pending(): number {
    return this.writing.size;
  }

  /** Writes a segment's bytes; rejects when the disk refuses (the caller drops what it cannot keep). */
  async write(seq: number, data: readonly Buffer[]): Promise<void> {
    if (this.removed) throw new Error('the spill folder was removed');
    this.ready ??= mkdir(this.folder, { recursive: true });
    const done = this.ready.then(() => writeFile(this.path(seq), data));
    this.writing.add(done);
    try {
      await done;
    } finally {
      this.writing.delete(done);
    }
  }

  /** The segment's bytes, or undefined when it is not (or no longer) on disk. */
  async read(seq: number): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(seq));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(seq: number): Promise<void> {
    await rm(this.path(seq), { force: true });
  }

  /** Removes the push's folder once the writes in flight are done. */
  async removeAll(): Promise<void> {
    this.removed = true;
    await Promise.allSettled([...this.writing]);
    await rm(this.folder, { recursive: true, force: true });
  }

  private path(seq: number): string {
    return join(this.folder, `${seq}.ts`);
  }
}
