/**
 * A bounded set of equal-sized buffers, handed out and taken back, so a busy uploader reuses the same
 * few instead of allocating one per file or part: each fresh large buffer costs its page faults (the
 * kernel zeroes every page on first touch) and is external memory the GC is told about. At most `size`
 * buffers ever exist; `acquire` waits for one to come back when all are out. Unbounded, a pool that
 * kept fewer buffers than were in use at once allocated one per multipart part whenever uploads
 * overlapped (8 MiB each: ~10 ms of CPU per part, bench:s3-request --workload), and its memory had no
 * ceiling.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(buffer: Buffer) => void> = [];
  private created = 0;

  constructor(
    readonly bytes: number,
    readonly size: number,
  ) {}

  /**
   * A buffer of `bytes` bytes with stale contents, once one is free; give it back with `release` once
   * nothing reads it (every acquired buffer must be released, or a later `acquire` waits forever).
   */
  acquire(): Promise<Buffer> {
    const buffer = this.free.pop();
    if (buffer !== undefined) return Promise.resolve(buffer);
    if (this.created < this.size) {
      this.created++;
      return Promise.resolve(Buffer.allocUnsafeSlow(this.bytes));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Takes back a buffer `acquire` gave (a waiting `acquire` gets it at once). */
  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(buffer);
    else this.free.push(buffer);
  }

  /** Buffers made so far (for tests): never more than `size`. */
  get allocated(): number {
    return this.created;
  }
}
