/**
 * Equal-sized buffers handed out and taken back, so a busy uploader reuses the same few instead of
 * allocating one per file or part: each large `Buffer.allocUnsafe` is external memory the GC is told
 * about, and at a part every few hundred milliseconds that alone scheduled collections
 * (bench:record --storage s3 --profile). At most `keep` free buffers are held between uses.
 */
export class BufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly bytes: number,
    private readonly keep: number,
  ) {}

  /** A buffer of `bytes` bytes with stale contents; give it back with `release` once nothing reads it. */
  acquire(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bytes);
  }

  release(buffer: Buffer): void {
    if (buffer.length === this.bytes && this.free.length < this.keep) this.free.push(buffer);
  }

  /** Free buffers held now (for tests). */
  get held(): number {
    return this.free.length;
  }
}
