/**
 * When a local file's appends are written on the main thread instead of the libuv pool.
 *
 * A write to the local page cache takes some 30 µs of CPU made synchronously; handed to the pool it costs
 * the process about twice that (the worker's wake-up and sleep, the request and its promise) and the main
 * thread more than half of it anyway (docs/decisions/0033-direct-local-writes.md). nginx-rtmp writes its
 * recordings the same way. A synchronous write blocks the event loop, every stream with it, for as long
 * as it takes, so the gate closes when one was slow (the kernel throttling dirty pages, a disk that
 * falls behind, a network file system): local appends then go through the pool, where
 * RECORD_WRITE_TIMEOUT watches them, until the disk has had `poolMs` to recover.
 */
import { performance } from 'node:perf_hooks';

/** A synchronous append slower than this is the disk pushing back, not a copy into memory. */
export const SLOW_DIRECT_WRITE_MS = 20;
/** How long appends stay on the pool after a slow one. */
export const POOL_AFTER_SLOW_WRITE_MS = 60_000;

export interface DirectWriteOptions {
  /** RECORD_DIRECT_WRITES: false sends every append through the pool. */
  enabled?: boolean;
  slowMs?: number;
  poolMs?: number;
  /** Told when a slow write closes the gate (the server logs it). */
  onSlowWrite?: (ms: number) => void;
}

/** One per disk: the server's recordings and its DVR spill share theirs. */
export class DirectWriteGate {
  private pooledUntil = 0;

  constructor(private readonly options: DirectWriteOptions = {}) {}

  get open(): boolean {
    return this.options.enabled !== false && performance.now() >= this.pooledUntil;
  }

  /** A synchronous append took `ms`. */
  took(ms: number): void {
    if (ms <= (this.options.slowMs ?? SLOW_DIRECT_WRITE_MS)) return;
    const wasOpen = this.open;
    this.pooledUntil = performance.now() + (this.options.poolMs ?? POOL_AFTER_SLOW_WRITE_MS);
    if (wasOpen) this.options.onSlowWrite?.(ms);
  }
}
