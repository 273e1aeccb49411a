import { type KeptSegment, LiveHlsWindow, type TimeShift } from '../container/hls/live-window.js';
import { HlsSegmenter, type SegmentInfo } from '../container/hls/segmenter.js';
import { ScratchOutput, type TsOutput } from '../container/mpegts/output-blocks.js';
import type { AudioConfig, CodecConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import type { SegmentSpill } from '../storage/segment-spill.js';
import type { LiveStream } from './live-stream.js';
import type { StreamSink } from './sink.js';

export interface HlsPackagerOptions {
  targetDurationMs: number;
  windowSize: number;
  /** How far back the playlist reaches (ms); 0: `windowSize` segments only. */
  dvrWindowMs: number;
}

export interface HlsPackagerDeps {
  /**
   * Where the segments are written as they are built; without one, the window stays in memory. Made
   * for this packager, which reports its write failures to `spillFailed`.
   */
  spill?: SegmentSpill;
  /** Wall clock (ms since the epoch), for the segments' times. */
  now?: () => number;
  /** A segment could not be moved to disk: the window was cut after it. */
  onSpillError?: (error: unknown) => void;
}

/** What a packager holds, for tests and monitoring. */
export interface HlsPackagerStats {
  /** Segments kept (listed, and the grace ones before them). */
  segments: number;
  inMemorySegments: number;
  inMemoryBytes: number;
  onDiskSegments: number;
  /** How long the playlist reaches back (ms). */
  listedDurationMs: number;
}

/**
 * Live HLS for one stream: an internal sink that cuts the stream into MPEG-TS segments and keeps a
 * window of them. Without a DVR window it is created on the first request (starting from the GOP cache,
 * so the first segment is ready within one target duration) and dropped when nobody has asked for a
 * while. With one, it runs from the start of the push, and every segment is written to the push's spill
 * folder while it is built and read back from there: the packager holds no media in memory (keeping the
 * newest segments cost ~10 MB per 2.5 Mbps stream, most of a recording server's RSS).
 */
export class HlsPackager implements StreamSink {
  readonly role = 'internal';
  private readonly window: LiveHlsWindow;
  private segmenter: HlsSegmenter | undefined;
  private tracks: { video?: VideoConfig; audio?: AudioConfig } = {};
  private current: Buffer[] = [];
  private nextSeq = 0;
  private timelineEndMs = 0;
  private discontinuityNext = false;
  private segmentCount = 0;
  /** The open segment's file could not be written: the segment is not listed when it closes. */
  private openSegmentLost = false;
  private waiters: Array<() => void> = [];
  private unsupported: string | undefined;
  /** performance.now() of the last request (monotonic: see LiveHlsService.sweep). */
  lastRequest = performance.now();
  ended = false;

  private readonly now: () => number;
  /**
   * With a spill, the muxer writes every PES into one reused buffer that the spill copies from at once:
   * a push then allocates no media memory for its DVR at all. Without one, segments are kept in memory,
   * so the muxer's default output (slices that stay valid) is used.
   */
  private readonly output: TsOutput | undefined;
  /** Wall clock of the open segment's first frame. */
  private segmentStartedAt = 0;

  constructor(
    readonly stream: LiveStream,
    private readonly options: HlsPackagerOptions,
    private readonly deps: HlsPackagerDeps = {},
  ) {
    this.window = new LiveHlsWindow({ windowSize: options.windowSize, dvrWindowMs: options.dvrWindowMs });
    this.now = deps.now ?? Date.now;
    this.output = deps.spill && new ScratchOutput();
  }

  /** Why this stream cannot be served as HLS (AV1/VP9 have no MPEG-TS mapping), if so. */
  get unsupportedReason(): string | undefined {
    return this.unsupported;
  }

  /** Resolves once the playlist lists at least one segment (or the stream ended), or after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean> {
    if (this.segmentCount > 0 || this.ended) return Promise.resolve(this.segmentCount > 0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.segmentCount > 0), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(this.segmentCount > 0);
      });
    });
  }

  playlist(uriFor: (seq: number) => string): string {
    return this.window.playlist(uriFor);
  }

  /** A time-shifted playlist; undefined while nothing falls into it. */
  timeShiftPlaylist(uriFor: (seq: number) => string, shift: TimeShift): string | undefined {
    return this.window.timeShiftPlaylist(uriFor, shift, this.now());
  }

  /** A kept segment's bytes, from memory or from the spill folder. */
  /** The number of the newest segment cut so far (-1 before the first). */
  get newestSeq(): number {
    const kept = this.window.kept;
    return kept.length === 0 ? -1 : kept[kept.length - 1]!.seq;
  }

  async segment(seq: number): Promise<Buffer | undefined> {
    const kept = this.window.segment(seq);
    if (!kept) return undefined;
    if (kept.data) return Buffer.concat(kept.data);
    return this.deps.spill?.read(seq);
  }

  get stats(): HlsPackagerStats {
    const kept = this.window.kept;
    const inMemory = kept.filter((s) => s.data !== undefined);
    return {
      segments: kept.length,
      inMemorySegments: inMemory.length,
      inMemoryBytes: inMemory.reduce((n, s) => n + s.bytes, 0),
      onDiskSegments: kept.length - inMemory.length,
      listedDurationMs: this.window.listedDurationMs,
    };
  }

  /** Frees what the packager holds outside memory (its spill folder). */
  dispose(): Promise<void> {
    return this.deps.spill?.removeAll() ?? Promise.resolve();
  }

  metadata(): void {}

  config(config: CodecConfig): void {
    const known = config.kind === 'video' ? this.tracks.video : this.tracks.audio;
    if (known === config) return;
    this.tracks = { ...this.tracks, [config.kind]: config };
    this.restart();
  }

  packet(packet: MediaPacket): void {
    // Codecs without a sequence header announce a change on the packet itself (see MediaPacketizer).
    const carried = packet.config;
    if (carried !== undefined && carried.codec !== this.tracks[carried.kind]?.codec) this.config(carried);
    if (!this.segmenter) return;
    const out = this.segmenter.push(packet);
    if (out.cut) this.publish(out.cut);
    if (out.start) {
      this.nextSeq = out.start.seq + 1;
      this.segmentStartedAt = this.now();
      this.openSegmentLost = false;
      this.deps.spill?.begin(out.start.seq);
    }
    if (out.bytes.length === 0) return;
    if (this.deps.spill) this.deps.spill.append(out.bytes);
    else this.current.push(out.bytes);
  }

  /**
   * Segment `seq`'s file could not be written. A segment that is not there must not be listed, and a
   * playlist must stay contiguous: the window is cut after it (the open segment: when it closes).
   */
  spillFailed(seq: number, error: unknown): void {
    if (this.window.segment(seq)) this.forget(this.window.dropThrough(seq));
    else if (seq === this.nextSeq - 1) this.openSegmentLost = true;
    this.deps.onSpillError?.(error);
  }

  end(): void {
    const last = this.segmenter?.end();
    if (last) this.publish(last);
    this.window.end();
    this.ended = true;
    this.wake();
  }

  /** A new configuration: the next segment starts a new part after a discontinuity. */
  private restart(): void {
    const last = this.segmenter?.end();
    if (last) this.publish(last);
    if (this.segmenter) this.timelineEndMs = this.segmenter.timelineEndMs ?? this.timelineEndMs;
    if (this.segmentCount > 0) this.discontinuityNext = true;
    this.current = [];
    try {
      this.segmenter = new HlsSegmenter({
        targetDurationMs: this.options.targetDurationMs,
        tracks: this.tracks,
        firstSeq: this.nextSeq,
        timelineStartMs: this.timelineEndMs,
        ...(this.output && { output: this.output }),
      });
      this.unsupported = undefined;
    } catch (error) {
      this.segmenter = undefined;
      this.unsupported = (error as Error).message;
      this.wake();
    }
  }

  private publish(info: SegmentInfo): void {
    const spill = this.deps.spill;
    spill?.end();
    const gone = this.window.add({
      seq: info.seq,
      durationMs: info.durationMs,
      data: spill ? undefined : this.current,
      bytes: info.bytes,
      discontinuity: this.discontinuityNext,
      startedAt: this.segmentStartedAt,
    });
    this.discontinuityNext = false;
    this.current = [];
    this.segmentCount++;
    this.forget(gone);
    if (this.openSegmentLost) this.forget(this.window.dropThrough(info.seq));
    this.wake();
  }

  private forget(gone: readonly KeptSegment[]): void {
    const spill = this.deps.spill;
    if (!spill) return;
    for (const s of gone) void spill.remove(s.seq).catch(() => undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
