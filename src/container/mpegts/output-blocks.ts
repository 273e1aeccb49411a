/** Where a muxer's output goes: `size` bytes for the caller to fill, for as long as the contract below says. */
export interface TsOutput {
  take(size: number): Buffer;
}

/**
 * Output that stays valid for as long as its holder keeps it: each PES's TS packets are carved out of a
 * larger block rather than allocated on their own. A video frame is ~10 KB, too big for Node's 8 KiB
 * Buffer pool, so without this every frame cost a fresh ArrayBuffer (its allocation, external-memory
 * accounting and sweeping: a quarter of the muxer's CPU when profiled). Blocks are never reused: a slice
 * stays valid as long as whoever holds it (a write queue, a segment kept in memory) needs it, and a
 * block's memory goes when its last slice does.
 */
export class OutputBlocks implements TsOutput {
  private block: Buffer = Buffer.alloc(0);
  private used = 0;

  /**
   * @param blockSize bytes per block; resident memory grows only as a block is written to.
   * @param ownAbove outputs larger than this get their own allocation (a keyframe would otherwise leave
   *   most of a block unused when it does not fit in what remains).
   */
  constructor(
    private readonly blockSize: number,
    private readonly ownAbove: number,
  ) {}

  take(size: number): Buffer {
    if (size > this.ownAbove) return Buffer.allocUnsafe(size);
    if (this.used + size > this.block.length) {
      this.block = Buffer.allocUnsafeSlow(this.blockSize);
      this.used = 0;
    }
    const out = this.block.subarray(this.used, this.used + size);
    this.used += size;
    return out;
  }
}
