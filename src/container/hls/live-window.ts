/**
 * The in-memory sliding window behind live HLS (RFC 8216 §6.2.2): the playlist lists the newest
 * `windowSize` segments; two more are kept so a player that fetched the playlist just before it
 * slid can still download the oldest segment it saw.
 */
import { renderMediaPlaylist } from './playlist.js';

export interface LiveSegment {
  readonly seq: number;
  readonly durationMs: number;
  /** The segment's TS bytes, as the segmenter produced them (no need to join them). */
  readonly data: Buffer[];
  /** The segment follows a break (a republish): timestamps and encoder parameters may reset. */
  readonly discontinuity?: boolean;
}

/** Segments a player may still fetch after they leave the playlist. */
const GRACE_SEGMENTS = 2;

export class LiveHlsWindow {
  private readonly windowSize: number;
  private readonly segments: LiveSegment[] = [];
  /** Discontinuity tags that have left the playlist (§4.3.3.3). */
  private discontinuitySequence = 0;
  /** Only ever grows: the target duration of a live playlist must not change downwards under a player. */
  private targetDurationSec = 1;
  private ended = false;

  constructor(opts: { windowSize: number }) {
    if (!Number.isInteger(opts.windowSize) || opts.windowSize < 1) {
      throw new RangeError(`windowSize must be a positive integer, got ${opts.windowSize}`);
    }
    this.windowSize = opts.windowSize;
  }

  /** @throws RangeError when `seg.seq` does not follow the previous segment's. */
  add(seg: LiveSegment): void {
    const last = this.segments.at(-1);
    if (last && seg.seq !== last.seq + 1) {
      throw new RangeError(`segment ${seg.seq} does not follow segment ${last.seq}`);
    }
    this.segments.push(seg);
    this.targetDurationSec = Math.max(this.targetDurationSec, Math.ceil(Math.round(seg.durationMs) / 1000));
    const leaving = this.segments[this.segments.length - 1 - this.windowSize];
    if (leaving?.discontinuity) this.discontinuitySequence++;
    if (this.segments.length > this.windowSize + GRACE_SEGMENTS) this.segments.shift();
  }

  /** The stream is over: the playlist gets `#EXT-X-ENDLIST`, so players stop polling. */
  end(): void {
    this.ended = true;
  }

  playlist(uriFor: (seq: number) => string): string {
    const listed = this.segments.slice(-this.windowSize);
    return renderMediaPlaylist({
      kind: 'live',
      targetDurationSec: this.targetDurationSec,
      mediaSequence: listed[0]?.seq ?? 0,
      discontinuitySequence: this.discontinuitySequence,
      segments: listed.map((s) => ({
        uri: uriFor(s.seq),
        durationSec: s.durationMs / 1000,
        ...(s.discontinuity && { discontinuity: true }),
      })),
      ended: this.ended,
    });
  }

  segment(seq: number): Buffer[] | undefined {
    const first = this.segments[0];
    return first && this.segments[seq - first.seq]?.data;
  }
}
