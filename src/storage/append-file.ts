import { StorageError, type StorageTarget, type TargetFile } from './target.js';

export interface AppendFileOptions {
  /**
   * Data is forced to storage at least this often, so a power loss costs at most about this much; 0: only
   * at close. Each sync is a thread-pool round trip and a journal commit, so this is a CPU/RPO trade.
   */
  syncIntervalMs: number;
  /** False for scratch files that need no durability (the live DVR spill): not synced at close either. */
  syncOnClose?: boolean;
  /**
   * Writes are gathered until this many bytes or `coalesceMs` have passed, then go out in one
   * append: each is a thread-pool round trip, so per-packet writes cost far more than bytes do.
   */
  coalesceBytes: number;
  coalesceMs: number;
  /**
   * A storage call (create, append, patch, sync) still unfinished after this long fails the file with
   * `ETIMEDOUT`: storage that makes no progress at all is broken, not slow.
   */
  stallTimeoutMs: number;
  /** The clock the sync interval is measured on, ms (tests pass their own; default `Date.now`). */
  now?: () => number;
}

/** Told of every change in the bytes waiting for storage (positive: queued, negative: written or dropped). */
export interface PendingBytes {
  change(delta: number): void;
}

/** One append carries at most this much, so a slow store still shows progress call by call. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * A file written strictly in order from a synchronous caller (the media path never awaits storage):
 * it is usable at once while it is still being created; writes are queued, gathered (see
 * `coalesceBytes`) and drained one append at a time. What waits is reported to `pending`, which is how
 * a recorder slows its publisher down instead of growing memory. The first storage error is sticky;
 * later writes are ignored and `failure` says why, so a full disk stops one recording cleanly instead
 * of throwing into the live stream.
 */
export class AppendFile {
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  /** Bytes handed to storage by an append still in progress. */
  private inFlight = 0;
  private draining: Promise<void> | undefined;
  private lastSync: number;
  private error: Error | undefined;
  private written = 0;
  private closed = false;
  private gatherTimer: NodeJS.Timeout | undefined;
  onError: ((error: Error) => void) | undefined;

  private file: TargetFile | undefined;
  /** Resolves to the key once the file exists (rejects if it could not be created). */
  readonly opened: Promise<string>;

  constructor(
    opener: () => Promise<TargetFile>,
    private readonly options: AppendFileOptions,
    private readonly pending?: PendingBytes,
  ) {
    this.lastSync = this.now();
    this.opened = this.watch(opener(), 'create').then(
      (f) => {
        this.file = f;
        if (this.error) void f.close().catch(() => undefined);
        return f.key;
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

  /** Creates `key` exclusively: an existing file is never overwritten. */
  static create(
    target: StorageTarget,
    key: string,
    options: AppendFileOptions,
    pending?: PendingBytes,
  ): AppendFile {
    return new AppendFile(() => target.create(key), options, pending);
  }

  get failure(): Error | undefined {
    return this.error;
  }

  /** Bytes handed to `write`, whether or not they reached storage yet. */
  get size(): number {
    return this.written + this.inFlight + this.queuedBytes;
  }

  write(buffers: Buffer | readonly Buffer[]): void {
    if (this.error || this.closed) return;
    let added = 0;
    if (Buffer.isBuffer(buffers)) {
      this.queue.push(buffers);
      added = buffers.length;
    } else {
      for (const b of buffers) {
        this.queue.push(b);
        added += b.length;
      }
    }
    this.queuedBytes += added;
    this.pending?.change(added);
    this.schedule();
  }

  /** Overwrites bytes already written (header patches at close); waits for the queue first. */
  async patch(position: number, data: Buffer): Promise<void> {
    await this.flush();
    if (this.error || !this.file) return;
    try {
      await this.watch(this.file.patch(position, data), 'patch');
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Resolves when everything queued so far is in storage (or failed). */
  async flush(): Promise<void> {
    await this.opened.catch(() => undefined);
    while (this.draining || (this.queue.length > 0 && !this.error)) {
      await (this.draining ?? this.startDrain());
    }
  }

  /** Starts a write when enough has gathered, else makes sure one starts within `coalesceMs`. */
  private schedule(): void {
    if (!this.file || this.draining || this.queue.length === 0 || this.error) return;
    if (this.queuedBytes >= this.options.coalesceBytes) {
      this.startWriting();
      return;
    }
    this.gatherTimer ??= setTimeout(() => {
      this.gatherTimer = undefined;
      if (!this.draining && this.queue.length > 0 && !this.error) this.startWriting();
    }, this.options.coalesceMs);
  }

  /** Writes the queue at once where the file takes synchronous appends, else starts draining it. */
  private startWriting(): void {
    const file = this.file!;
    if (this.syncDue() || !file.canAppendNow?.()) {
      this.startDrain();
      return;
    }
    try {
      this.appendQueuedNow(file);
    } catch (error) {
      // Failed inside `write`: its caller hears of it once `write` has returned, as from a pool write.
      this.fail(error as Error, (notify) => queueMicrotask(notify));
    }
  }

  /** Flushes, syncs and closes. Never throws: check `failure`. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.gatherTimer);
    if (!this.file) return;
    try {
      if (!this.error && this.options.syncOnClose !== false) await this.watch(this.file.sync(), 'sync');
    } catch (error) {
      this.fail(error as Error);
    }
    await this.file.close().catch(() => undefined);
  }

  /**
   * Runs `drain` as the one drain in progress. It may finish without waiting for anything (every write
   * made synchronously), so it is registered here and cleared in a callback, which always runs later.
   */
  private startDrain(): Promise<void> {
    const drain = this.drain().finally(() => {
      if (this.draining === drain) this.draining = undefined;
      this.schedule();
    });
    this.draining = drain;
    return drain;
  }

  private async drain(): Promise<void> {
    const file = this.file!;
    try {
      while (!this.error) {
        if (this.syncDue()) {
          this.lastSync = this.now();
          await this.watch(file.sync(), 'sync');
        }
        if (this.queue.length === 0) break;
        if (file.canAppendNow?.()) {
          this.appendQueuedNow(file);
          continue;
        }
        const batch = this.takeBatch();
        await this.watch(file.append(batch), 'append');
        this.settleInFlight();
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Everything queued, appended synchronously; throws what the file throws. */
  private appendQueuedNow(file: TargetFile): void {
    while (this.queue.length > 0) {
      file.appendNow!(this.takeBatch());
      this.settleInFlight();
    }
  }

  /** The batch in flight has reached storage. */
  private settleInFlight(): void {
    const bytes = this.inFlight;
    this.inFlight = 0;
    this.written += bytes;
    this.pending?.change(-bytes);
  }

  /** Whether data must be forced to storage before more is written (RECORD_SYNC_INTERVAL). */
  private syncDue(): boolean {
    return this.options.syncIntervalMs > 0 && this.now() - this.lastSync >= this.options.syncIntervalMs;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Moves up to MAX_BATCH_BYTES (at least one buffer) from the queue to `inFlight`. */
  private takeBatch(): Buffer[] {
    let count = 0;
    let bytes = 0;
    while (
      count < this.queue.length &&
      (count === 0 || bytes + this.queue[count]!.length <= MAX_BATCH_BYTES)
    ) {
      bytes += this.queue[count]!.length;
      count++;
    }
    const batch = this.queue.splice(0, count);
    this.queuedBytes -= bytes;
    this.inFlight = bytes;
    return batch;
  }

  /** `operation`, failing with ETIMEDOUT when it makes no progress for `stallTimeoutMs`. */
  private watch<T>(operation: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StorageError(
              'ETIMEDOUT',
              `storage made no progress for ${this.options.stallTimeoutMs / 1000} s (${what})`,
            ),
          ),
        this.options.stallTimeoutMs,
      );
    });
    return Promise.race([operation, stalled]).finally(() => clearTimeout(timer));
  }

  private fail(error: Error, notifyWhen: (notify: () => void) => void = (notify) => notify()): void {
    if (this.error) return;
    this.error = error;
    this.pending?.change(-(this.queuedBytes + this.inFlight));
    this.queue = [];
    this.queuedBytes = 0;
    this.inFlight = 0;
    notifyWhen(() => this.onError?.(error));
  }
}
