/**
 * Many RTMP publishers in one process, paced in real time by one timer: every tick, each stream sends the
 * tags whose timestamps have come due. The media loops with timestamps that keep growing, as one long
 * broadcast would.
 */
import { RtmpClient } from '../../src/rtmp/client.js';
import type { BenchMedia } from './bench-media.js';

export interface PaceOptions {
  /** Media milliseconds each stream sends; tags at or past this are not sent. */
  durationMs: number;
  /** Stream i starts i·staggerMs/N after the first, so keyframes do not all arrive at once. */
  staggerMs: number;
  tickMs?: number;
  /** Send as fast as the sockets take it, ignoring timestamps (ffmpeg without -re: an upload, a reconnect burst). */
  burst?: boolean;
}

export interface PublisherResult {
  videoFramesSent: number;
  bytesSent: number;
  /** Worst delay between a tag's due time and its send: > a second means the server did not keep up. */
  maxLagMs: number;
  failure: string | undefined;
}

/** One stream's position in the looping media. */
class StreamCursor {
  videoFramesSent = 0;
  bytesSent = 0;
  maxLagMs = 0;
  failure: string | undefined;
  done = false;
  private started = false;
  private blocked = false;
  private index = 0;
  private loopOffset = 0;

  constructor(
    private readonly client: RtmpClient,
    private readonly startAt: number,
  ) {
    client.on('close', (error) => {
      this.failure ??= error?.message ?? 'the server closed the connection';
      this.done = true;
    });
  }

  /** Sends everything due at `now`; stops early when the socket is full and resumes after it drains. */
  step(now: number, media: BenchMedia, durationMs: number): void {
    const elapsed = now - this.startAt;
    if (this.done || this.blocked || elapsed < 0) return;
    if (!this.started) {
      this.started = true;
      this.client.sendMetadata(media.metadata);
      for (const h of media.headers) this.send(h.kind, 0, h.body);
    }
    while (!this.blocked) {
      const frame = media.frames[this.index]!;
      const timestamp = this.loopOffset + frame.timestamp;
      if (timestamp >= durationMs) {
        this.done = true;
        return;
      }
      if (timestamp > elapsed) return;
      if (elapsed - timestamp > this.maxLagMs) this.maxLagMs = elapsed - timestamp;
      if (frame.kind === 'video') this.videoFramesSent++;
      this.bytesSent += frame.body.length;
      const ok = this.send(frame.kind, timestamp, frame.body);
      if (++this.index === media.frames.length) {
        this.index = 0;
        this.loopOffset += media.periodMs;
      }
      if (!ok) {
        this.blocked = true;
        void this.client.drained().then(() => {
          this.blocked = false;
        });
      }
    }
  }

  /** A snapshot: a polite close after pacing must not read as a failure. */
  result(): PublisherResult {
    const { videoFramesSent, bytesSent, maxLagMs, failure } = this;
    return { videoFramesSent, bytesSent, maxLagMs, failure };
  }

  private send(kind: 'audio' | 'video', timestamp: number, body: Buffer): boolean {
    return kind === 'video' ? this.client.sendVideo(timestamp, body) : this.client.sendAudio(timestamp, body);
  }
}

/** Streams `media` on every client until each has sent `durationMs` of it (or lost its connection). */
export function pacePublishers(
  clients: RtmpClient[],
  media: BenchMedia,
  options: PaceOptions,
): Promise<PublisherResult[]> {
  const t0 = performance.now();
  const cursors = clients.map((c, i) => new StreamCursor(c, t0 + (i * options.staggerMs) / clients.length));
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      // In a burst every tag is due at once.
      const now = options.burst ? Number.MAX_SAFE_INTEGER : performance.now();
      let allDone = true;
      for (const cursor of cursors) {
        cursor.step(now, media, options.durationMs);
        allDone &&= cursor.done;
      }
      if (allDone) {
        clearInterval(timer);
        // A burst has no schedule to lag behind: its lag is reported as NaN, not as a huge number.
        resolve(cursors.map((c) => (options.burst ? { ...c.result(), maxLagMs: Number.NaN } : c.result())));
      }
    }, options.tickMs ?? 10);
  });
}

/** Connects and publishes every URL, a few at a time as a crowd of encoders would arrive. */
export async function connectPublishers(urls: string[], concurrency = 10): Promise<RtmpClient[]> {
  const clients: RtmpClient[] = new Array(urls.length);
  let next = 0;
  const worker = async () => {
    while (next < urls.length) {
      const i = next++;
      const client = await RtmpClient.connect(urls[i]!, { timeoutMs: 30_000 });
      await client.publish();
      clients[i] = client;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
  return clients;
}
