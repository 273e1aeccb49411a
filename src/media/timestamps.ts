/**
 * The one place RTMP timestamps become normalized `dts`/`pts` (milliseconds). Rules:
 *
 * 1. Wrap: RTMP timestamps are uint32 ms and wrap after ~49.7 days. Each raw value is unwrapped by
 *    adding the signed 32-bit difference from the previous raw value of the stream (either track).
 * 2. Base: the first packet of the push, whichever track, maps to dts 0. Audio and video share one
 *    offset so their relative timing (A/V sync) is kept. A track whose first packet would land
 *    before 0 is clamped to 0.
 * 3. Discontinuity: a step of a track's dts forward by more than `maxJumpMs`, or backwards by more
 *    than `backwardToleranceMs`, is an encoder restart or a broken clock, not real time. The stream
 *    is re-based so the packet lands just after its track's last dts (by that track's last positive
 *    delta, else 1 ms); the new offset applies to both tracks, so they stay in sync after it. A
 *    track's first packet is checked the same way against the other track's last dts, and re-based
 *    onto that dts.
 * 4. Jitter: a smaller backwards step (interleaving jitter) or a repeated timestamp moves the packet to
 *    1 ms after its track's last dts, so a track's dts strictly increases — MPEG-TS and MP4 consumers
 *    reject or mis-time equal DTS; the offset is left alone.
 * 5. pts = dts + cts; a pts that would fall before dts is clamped to dts.
 *
 * `corrections` counts every packet whose timing one of rules 2–5 altered (clamps and re-bases).
 */
import type { TrackKind } from './packet.js';

export interface TimestampNormalizerOptions {
  /** Largest forward step of one track that is still taken as real time (default 10 s). */
  readonly maxJumpMs?: number;
  /** Largest backward step that is treated as jitter and clamped rather than re-based (default 1 s). */
  readonly backwardToleranceMs?: number;
}

interface TrackClock {
  lastDts: number;
  /** Last positive dts step, the best guess of this track's frame/packet duration. */
  lastDelta: number;
}

export class TimestampNormalizer {
  readonly #maxJumpMs: number;
  readonly #backwardToleranceMs: number;
  #lastRaw = 0;
  #unwrapped = 0;
  /** Added to the unwrapped timestamp to give dts; undefined until the first packet. */
  #offset: number | undefined;
  readonly #tracks = new Map<TrackKind, TrackClock>();
  #corrections = 0;

  constructor(opts: TimestampNormalizerOptions = {}) {
    this.#maxJumpMs = opts.maxJumpMs ?? 10_000;
    this.#backwardToleranceMs = opts.backwardToleranceMs ?? 1_000;
  }

  get corrections(): number {
    return this.#corrections;
  }

  normalize(kind: TrackKind, timestamp: number, cts: number): { dts: number; pts: number } {
    const raw = timestamp >>> 0;
    if (this.#offset === undefined) {
      this.#unwrapped = raw;
      this.#offset = -raw;
    } else {
      // ToInt32 of the difference is the signed 32-bit step, which is what undoes a wrap.
      this.#unwrapped += (raw - this.#lastRaw) | 0;
    }
    this.#lastRaw = raw;
    const dts = this.#placeDts(kind, this.#unwrapped + this.#offset);
    let pts = dts + cts;
    if (pts < dts) {
      pts = dts;
      this.#corrections++;
    }
    return { dts, pts };
  }

  #placeDts(kind: TrackKind, candidate: number): number {
    const track = this.#tracks.get(kind);
    const reference = track ?? this.#otherTrack(kind);
    let dts = candidate;
    if (reference !== undefined) {
      const step = candidate - reference.lastDts;
      if (step > this.#maxJumpMs || step < -this.#backwardToleranceMs) {
        // A track's first packet lines up with the other track's present; later ones step forward.
        dts =
          track === undefined
            ? reference.lastDts
            : track.lastDts + (track.lastDelta > 0 ? track.lastDelta : 1);
        this.#offset! += dts - candidate;
        this.#corrections++;
      } else if (track !== undefined && step <= 0) {
        dts = track.lastDts + 1;
        this.#corrections++;
      }
    }
    if (dts < 0) {
      dts = 0;
      this.#corrections++;
    }
    if (track === undefined) {
      this.#tracks.set(kind, { lastDts: dts, lastDelta: 0 });
    } else {
      if (dts > track.lastDts) track.lastDelta = dts - track.lastDts;
      track.lastDts = dts;
    }
    return dts;
  }

  #otherTrack(kind: TrackKind): TrackClock | undefined {
    return this.#tracks.get(kind === 'video' ? 'audio' : 'video');
  }
}
