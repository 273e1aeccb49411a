/**
 * The window of segments behind a live HLS playlist (RFC 8216 §6.2.2). Without a DVR window the
 * playlist lists the newest `windowSize` segments; with one (`dvrWindowMs` > 0) it reaches back that
 * long (at least `windowSize` segments), so players can seek back and return to the live edge. Two more
 * segments than listed are kept, so a player that fetched the playlist just before it slid can still
 * download the oldest segment it saw.
 *
 * The window only keeps the bookkeeping and, for the segments its owner has not released, their bytes:
 * the owner moves older segments elsewhere (to disk) and calls `release`, so memory stays bounded by the
 * newest segments whatever the DVR window.
 *
 * Time shift (Tencent's `txTimeshift`): a playlist can also be cut to a wall-clock range or delayed
 * behind the live edge (`timeShiftPlaylist`).
 */
import { type PlaylistSegment, renderMediaPlaylist } from './playlist.js';

export interface LiveSegment {
  readonly seq: number;
  readonly durationMs: number;
  /**
   * The segment's bytes as its owner wrote them (the live packager: media records, muxed when asked for),
   * not joined; undefined when the owner keeps them elsewhere (on disk).
   */
  readonly data: Buffer[] | undefined;
  /** How many bytes the segment has. */
  readonly bytes: number;
  /** The segment follows a break (a republish): timestamps and encoder parameters may reset. */
  readonly discontinuity?: boolean;
  /** Wall-clock time (ms since the epoch) of the segment's first frame. */
  readonly startedAt: number;
}

/** A kept segment: `data` is undefined once the owner released it (moved it to disk). */
export type KeptSegment = LiveSegment;

/** A time-shifted view (see time-shift-params.ts for the query that asks for one). */
export type TimeShift =
  /** The live edge moved `delayMs` back: only segments that ended that long ago are listed. */
  | { readonly kind: 'delay'; readonly delayMs: number }
  /** The segments that overlap `[startMs, endMs)` (wall clock); the playlist ends once `endMs` is covered. */
  | { readonly kind: 'range'; readonly startMs: number; readonly endMs: number };

/** Segments a player may still fetch after they leave the playlist. */
export const GRACE_SEGMENTS = 2;

export class LiveHlsWindow {
  private readonly windowSize: number;
  private readonly dvrWindowMs: number;
  private segments: MutableSegment[] = [];
  /** Index in `segments` of the first listed one (those before are kept for grace only). */
  private listedFrom = 0;
  private listedMs = 0;
  /** Discontinuity tags that have left the playlist (§4.3.3.3). */
  private discontinuitySequence = 0;
  /** Only ever grows: the target duration of a live playlist must not change downwards under a player. */
  private targetDurationSec = 1;
  private ended = false;

  constructor(opts: { windowSize: number; dvrWindowMs?: number }) {
    if (!Number.isInteger(opts.windowSize) || opts.windowSize < 1) {
      throw new RangeError(`windowSize must be a positive integer, got ${opts.windowSize}`);
    }
    this.windowSize = opts.windowSize;
    this.dvrWindowMs = opts.dvrWindowMs ?? 0;
  }

  /**
   * @returns the segments that left the window for good (their moved copies can go).
   * @throws RangeError when `seg.seq` does not follow the previous segment's.
   */
  add(seg: LiveSegment): KeptSegment[] {
    const last = this.segments.at(-1);
    if (last && seg.seq !== last.seq + 1) {
      throw new RangeError(`segment ${seg.seq} does not follow segment ${last.seq}`);
    }
    this.segments.push({ ...seg });
    this.listedMs += seg.durationMs;
    this.targetDurationSec = Math.max(this.targetDurationSec, Math.ceil(Math.round(seg.durationMs) / 1000));
    while (this.listedCount > this.windowSize && this.firstListedOutsideDvr()) {
      const leaving = this.segments[this.listedFrom]!;
      if (leaving.discontinuity) this.discontinuitySequence++;
      this.listedMs -= leaving.durationMs;
      this.listedFrom++;
    }
    const gone = this.segments.slice(0, Math.max(0, this.listedFrom - GRACE_SEGMENTS));
    if (gone.length > 0) {
      this.segments = this.segments.slice(gone.length);
      this.listedFrom -= gone.length;
    }
    return gone;
  }

  /**
   * Forgets everything up to and including `seq` (its moved copy was lost): the playlist must stay
   * contiguous, so the older part goes too.
   * @returns the segments dropped.
   */
  dropThrough(seq: number): KeptSegment[] {
    const count = this.segments.findIndex((s) => s.seq > seq);
    const gone = this.segments.splice(0, count < 0 ? this.segments.length : count);
    for (const s of gone.slice(Math.max(0, this.listedFrom))) {
      this.listedMs -= s.durationMs;
      if (s.discontinuity) this.discontinuitySequence++;
    }
    this.listedFrom = Math.max(0, this.listedFrom - gone.length);
    return gone;
  }

  /** The owner moved segment `seq` elsewhere: its bytes leave memory. */
  release(seq: number): void {
    const kept = this.find(seq);
    if (kept) kept.data = undefined;
  }

  /** The stream is over: the playlist gets `#EXT-X-ENDLIST`, so players stop polling. */
  end(): void {
    this.ended = true;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Every kept segment, oldest first (listed ones and the grace ones before them). */
  get kept(): readonly KeptSegment[] {
    return this.segments;
  }

  /** How long the listed segments last together (ms). */
  get listedDurationMs(): number {
    return this.listedMs;
  }

  playlist(uriFor: (seq: number) => string): string {
    const listed = this.segments.slice(this.listedFrom);
    return renderMediaPlaylist({
      kind: 'live',
      targetDurationSec: this.targetDurationSec,
      mediaSequence: listed[0]?.seq ?? 0,
      discontinuitySequence: this.discontinuitySequence,
      segments: this.playlistSegments(listed, uriFor),
      ended: this.ended,
    });
  }

  /**
   * The playlist of a time-shifted view at wall-clock `nowMs`, or undefined when no listed segment
   * falls into it (yet). A delayed view is a live playlist whose edge trails by the delay; a range is
   * an `EVENT` playlist that grows until it covers its end, then a `VOD` one.
   */
  timeShiftPlaylist(uriFor: (seq: number) => string, shift: TimeShift, nowMs: number): string | undefined {
    const listedFrom = this.listedFrom;
    let from = listedFrom;
    let to = this.segments.length;
    if (shift.kind === 'delay') {
      const edge = nowMs - shift.delayMs;
      while (to > from && endOf(this.segments[to - 1]!) > edge) to--;
    } else {
      while (from < to && endOf(this.segments[from]!) <= shift.startMs) from++;
      while (to > from && this.segments[to - 1]!.startedAt >= shift.endMs) to--;
    }
    const selected = this.segments.slice(from, to);
    if (selected.length === 0) return undefined;
    const rangeDone =
      shift.kind === 'range' &&
      (this.ended || to < this.segments.length || endOf(selected.at(-1)!) >= shift.endMs);
    // Discontinuities before the first selected segment count as having left this playlist.
    const skipped = this.segments.slice(listedFrom, from).filter((s) => s.discontinuity).length;
    return renderMediaPlaylist({
      kind: shift.kind === 'delay' ? 'live' : rangeDone ? 'vod' : 'event',
      targetDurationSec: this.targetDurationSec,
      mediaSequence: selected[0]!.seq,
      discontinuitySequence: this.discontinuitySequence + skipped,
      segments: this.playlistSegments(selected, uriFor),
      ended: shift.kind === 'delay' ? this.ended && to === this.segments.length : rangeDone,
    });
  }

  /** A kept segment (listed or in its grace period). */
  segment(seq: number): KeptSegment | undefined {
    return this.find(seq);
  }

  private get listedCount(): number {
    return this.segments.length - this.listedFrom;
  }

  /** Whether the listing still reaches `dvrWindowMs` back without its first segment. */
  private firstListedOutsideDvr(): boolean {
    return this.listedMs - this.segments[this.listedFrom]!.durationMs >= this.dvrWindowMs;
  }

  private find(seq: number): MutableSegment | undefined {
    const first = this.segments[0];
    return first && this.segments[seq - first.seq];
  }

  /** The wall clock goes on the first segment and after each discontinuity (RFC 8216 §4.3.2.6). */
  private playlistSegments(
    listed: readonly KeptSegment[],
    uriFor: (seq: number) => string,
  ): PlaylistSegment[] {
    return listed.map((s, i) => ({
      uri: uriFor(s.seq),
      durationSec: s.durationMs / 1000,
      ...(s.discontinuity && { discontinuity: true }),
      ...((i === 0 || s.discontinuity) && { programDateTime: new Date(s.startedAt) }),
    }));
  }
}

interface MutableSegment extends Omit<KeptSegment, 'data'> {
  data: Buffer[] | undefined;
}

function endOf(s: KeptSegment): number {
  return s.startedAt + s.durationMs;
}
