import type { PendingBytes } from '../storage/append-file.js';

/** High and low water marks in bytes: above `high` the publisher waits, below `low` it goes on. */
export interface WaterMarks {
  high: number;
  low: number;
}

/**
 * Bytes waiting to be written over all recordings of the process. Past its high mark every recording
 * publisher is paused, whatever its own backlog, so a burst of many pushes cannot exhaust memory.
 */
export class GlobalBacklog {
  private bytes = 0;
  private over = false;
  private readonly streams = new Set<StreamBacklog>();

  constructor(private readonly marks: WaterMarks) {}

  get pendingBytes(): number {
    return this.bytes;
  }

  get isOver(): boolean {
    return this.over;
  }

  /** The backlog of one push; `onPausedChange` is told when its publisher must wait or may go on. */
  stream(marks: WaterMarks, onPausedChange: (paused: boolean) => void): StreamBacklog {
    const backlog = new StreamBacklog(this, marks, onPausedChange);
    this.streams.add(backlog);
    return backlog;
  }

  /** @internal from StreamBacklog */
  change(delta: number): void {
    this.bytes += delta;
    const over = this.over ? this.bytes > this.marks.low : this.bytes > this.marks.high;
    if (over === this.over) return;
    this.over = over;
    for (const s of this.streams) s.evaluate();
  }

  /** @internal from StreamBacklog */
  forget(stream: StreamBacklog): void {
    this.streams.delete(stream);
  }
}

/**
 * Bytes waiting to be written for one push, all its formats together. Its publisher is paused while
 * this is above the high mark (until it falls below the low mark) or while the global backlog is over.
 */
export class StreamBacklog implements PendingBytes {
  private bytes = 0;
  private over = false;
  private paused = false;

  constructor(
    private readonly global: GlobalBacklog,
    private readonly marks: WaterMarks,
    private readonly onPausedChange: (paused: boolean) => void,
  ) {}

  get pendingBytes(): number {
    return this.bytes;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  change(delta: number): void {
    this.bytes += delta;
    this.over = this.over ? this.bytes > this.marks.low : this.bytes > this.marks.high;
    this.global.change(delta);
    this.evaluate();
  }

  /** @internal from GlobalBacklog */
  evaluate(): void {
    const paused = this.over || (this.global.isOver && this.bytes > 0);
    if (paused === this.paused) return;
    this.paused = paused;
    this.onPausedChange(paused);
  }

  /** The push's recording is over: it no longer pauses anything. */
  close(): void {
    this.global.forget(this);
    if (this.paused) {
      this.paused = false;
      this.onPausedChange(false);
    }
  }
}
