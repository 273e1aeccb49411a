import { type FileHandle, open } from 'node:fs/promises';

export interface AppendFileOptions {
  /** Bytes allowed to wait for the disk before the file is failed as too slow (memory stays bounded). */
  maxPendingBytes: number;
  /** Data is forced to the disk at least this often, so a power loss costs at most about this much. */
  syncIntervalMs: number;
  /**
   * Writes are gathered until this many bytes or `coalesceMs` have passed, then go out in one
   * `writev`: each write is a thread-pool round trip, so per-packet writes cost far more than bytes do.
   */
  coalesceBytes: number;
  coalesceMs: number;
}

export interface OpenedFile {
  handle: FileHandle;
  path: string;
}

/**
 * A file written strictly in order from a synchronous caller (the media path never awaits the disk):
 * it is usable at once while it is still being opened; writes are queued, gathered (see
 * `coalesceBytes`) and drained with one `writev` per batch. The first I/O error is sticky; later writes
 * are ignored and `failure` says why, so a full disk stops one recording cleanly instead of throwing into
 * the live stream.
 */
export class AppendFile {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private draining: Promise<void> | undefined;
  private lastSync = Date.now();
  private error: Error | undefined;
  private written = 0;
  private closed = false;
  private gatherTimer: NodeJS.Timeout | undefined;
  onError: ((error: Error) => void) | undefined;

  private handle: FileHandle | undefined;
  private pathName = '(file being created)';
  /** Resolves to the path once the file exists (rejects if it could not be created). */
  readonly opened: Promise<string>;

  constructor(
    opener: () => Promise<OpenedFile>,
    private readonly options: AppendFileOptions,
  ) {
    this.opened = opener().then(
      (f) => {
        this.handle = f.handle;
        this.pathName = f.path;
        return f.path;
      },
      (error: Error) => {
        this.fail(error);
        throw error;
      },
    );
    this.opened.then(
      () => this.schedule(),
      () => undefined, // observed through `failure`
    );
  }

  /** Creates `path` exclusively: an existing file is never overwritten. */
  static create(path: string, options: AppendFileOptions): AppendFile {
    return new AppendFile(async () => ({ handle: await open(path, 'wx'), path }), options);
  }

  get failure(): Error | undefined {
    return this.error;
  }

  /** Bytes handed to `write`, whether or not they reached the disk yet. */
  get size(): number {
    return this.written + this.queuedBytes;
  }

  write(buffers: Buffer | readonly Buffer[]): void {
    if (this.error || this.closed) return;
    if (Buffer.isBuffer(buffers)) {
      this.queue.push(buffers);
      this.queuedBytes += buffers.length;
    } else {
      for (const b of buffers) {
        this.queue.push(b);
        this.queuedBytes += b.length;
      }
    }
    if (this.queuedBytes > this.options.maxPendingBytes) {
      this.fail(
        new Error(
          `disk too slow: more than ${this.options.maxPendingBytes} bytes waiting to be written to ${this.pathName}`,
        ),
      );
      return;
    }
    this.schedule();
  }

  /** Overwrites bytes already written (header patches at close); waits for the queue first. */
  async patch(position: number, data: Buffer): Promise<void> {
    await this.flush();
    if (this.error) return;
    try {
      await this.handle!.write(data, 0, data.length, position);
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Resolves when everything queued so far is on the disk (or failed). */
  async flush(): Promise<void> {
    await this.opened.catch(() => undefined);
    while (this.draining || (this.queue.length > 0 && !this.error)) {
      this.draining ??= this.drain();
      await this.draining;
    }
  }

  /** Starts a write when enough has gathered, else makes sure one starts within `coalesceMs`. */
  private schedule(): void {
    if (!this.handle || this.draining || this.queue.length === 0) return;
    if (this.queuedBytes >= this.options.coalesceBytes) {
      this.draining = this.drain();
      return;
    }
    this.gatherTimer ??= setTimeout(() => {
      this.gatherTimer = undefined;
      if (!this.draining && this.queue.length > 0) this.draining = this.drain();
    }, this.options.coalesceMs);
  }

  /** Flushes, syncs and closes. Never throws: check `failure`. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.gatherTimer);
    if (!this.handle) return;
    try {
      if (!this.error) await this.handle.datasync();
    } catch (error) {
      this.fail(error as Error);
    }
    await this.handle.close().catch(() => undefined);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.error) {
        const batch = this.queue;
        const bytes = this.queuedBytes;
        this.queue = [];
        this.queuedBytes = 0;
        await writeAll(this.handle!, batch, bytes);
        this.written += bytes;
        if (Date.now() - this.lastSync >= this.options.syncIntervalMs) {
          this.lastSync = Date.now();
          await this.handle!.datasync();
        }
      }
    } catch (error) {
      this.fail(error as Error);
    } finally {
      this.draining = undefined;
      this.schedule();
    }
  }

  private fail(error: Error): void {
    if (this.error) return;
    this.error = error;
    this.queue = [];
    this.queuedBytes = 0;
    this.onError?.(error);
  }
}

/** `writev` may write less than asked (and takes at most IOV_MAX buffers); loop until all is out. */
async function writeAll(handle: FileHandle, buffers: Buffer[], total: number): Promise<void> {
  const IOV_MAX = 1024;
  let index = 0;
  let remaining = total;
  while (remaining > 0) {
    const slice = buffers.slice(index, index + IOV_MAX);
    let { bytesWritten } = await handle.writev(slice);
    remaining -= bytesWritten;
    // Skip the buffers written in full, then trim the partly written one.
    while (index < buffers.length && bytesWritten >= buffers[index]!.length) {
      bytesWritten -= buffers[index]!.length;
      index++;
    }
    if (bytesWritten > 0) {
      buffers[index] = buffers[index]!.subarray(bytesWritten);
    }
  }
}
