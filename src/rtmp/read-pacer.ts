/**
 * Fewer, larger reads of publishers that push in real time.
 *
 * An encoder writes each audio and video frame as it is made, some 75 writes a second for 720p30 with AAC,
 * and a server that reads whatever arrives wakes up and runs its read path for each of them. A publisher's
 * connection is instead paused after a read and resumed at the next pacer tick, shared by all
 * connections: its bytes wait in the kernel's socket buffer meanwhile (TCP's window is far larger than a
 * tick of any live bitrate) and arrive as one read. The cost is at most one tick of added latency; a read
 * that filled the whole read buffer is not paced, so a publisher with a backlog (a burst, a catch-up after
 * a storage pause) is read as fast as before.
 */

/**
 * The default of RTMP_READ_PACING: short against a live stream's seconds of player latency, long enough to
 * gather several frames. 100 ms saved another ~18 % of the ingest's CPU at 8 pushes (docs/benchmarks.md).
 */
export const READ_PACING_MS = 50;

export interface PacedReader {
  /** Called at the tick after `defer`: start reading again. */
  resumeAfterPacing(): void;
}

export class ReadPacer {
  private waiting = new Set<PacedReader>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs: number) {}

  /** `reader` has paused itself; it is resumed at the next tick. */
  defer(reader: PacedReader): void {
    this.waiting.add(reader);
    this.timer ??= setTimeout(() => this.tick(), this.intervalMs);
  }

  /** A reader that closed is not resumed. */
  forget(reader: PacedReader): void {
    this.waiting.delete(reader);
  }

  private tick(): void {
    this.timer = undefined;
    const due = this.waiting;
    this.waiting = new Set();
    for (const reader of due) reader.resumeAfterPacing();
  }
}
