import { type KeptSegment, LiveHlsWindow, type TimeShift } from '../container/hls/live-window.js';
import { configRecord, RECORD_HEADER_SIZE, writePacketHeader } from '../container/hls/media-records.js';
import { muxRecordedSegment, type SegmentRecipe } from '../container/hls/recorded-segment.js';
import { type Placement, type SegmentBounds, SegmentPlacer } from '../container/hls/segment-placer.js';
import { assertTsCarries } from '../container/mpegts/ts-muxer.js';
import type { AudioConfig, CodecConfig, MediaPacket, TrackKind, VideoConfig } from '../media/packet.js';
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
 * Muxed segments kept for the players at the live edge, who all ask for the same newest segments: N
 * players cost one mux per segment. Dropped once nobody has asked for a while (`releaseMuxed`).
 */
const MUXED_CACHE_SEGMENTS = 3;

/**
 * Live HLS for one stream: an internal sink that cuts the stream into segments and keeps a window of
 * them. Without a DVR window it is created on the first request (starting from the GOP cache, so the
 * first segment is ready within one target duration) and dropped when nobody has asked for a while.
 * With one, it runs from the start of the push, and every segment is written to the push's spill folder
 * while it is built and read back from there: the packager holds no media in memory (keeping the newest
 * segments cost ~10 MB per 2.5 Mbps stream, most of a recording server's RSS).
 *
 * Segments are cut at ingest (boundaries, durations, discontinuities, wall-clock start: all the playlist
 * and time shift need) but kept as media records, not MPEG-TS: a segment is muxed only when a player asks
 * for it, and most segments of a DVR window never are (docs/decisions/0032-dvr-mux-on-demand.md).
 */
export class HlsPackager implements StreamSink {
  readonly role = 'internal';
  private readonly window: LiveHlsWindow;
  private placer: SegmentPlacer | undefined;
  private tracks: { video?: VideoConfig; audio?: AudioConfig } = {};
  /** Without a spill: the open segment's records. */
  private current: Buffer[] = [];
  /** Record bytes of the open segment. */
  private openBytes = 0;
  /** The configuration each track's records are in at this point of the open segment. */
  private inForce: Partial<Record<TrackKind, CodecConfig>> = {};
  /**
   * The open segment's configurations that its config-change records name, by index (its recipe holds the
   * same array, so they are dropped with the segment); and the index of each.
   */
  private openConfigs: CodecConfig[] = [];
  private openConfigIds = new Map<CodecConfig, number>();
  /** How each kept segment is muxed (its part's tracks and timeline). */
  private readonly recipes = new Map<number, SegmentRecipe>();
  /** The newest muxed segments asked for, oldest first (in-flight muxes too: concurrent requests share one). */
  private readonly muxed = new Map<number, Promise<Buffer | undefined>>();
  private readonly header = Buffer.allocUnsafe(RECORD_HEADER_SIZE);
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
  /** Wall clock of the open segment's first frame. */
  private segmentStartedAt = 0;

  constructor(
    readonly stream: LiveStream,
    private readonly options: HlsPackagerOptions,
    private readonly deps: HlsPackagerDeps = {},
  ) {
    this.window = new LiveHlsWindow({ windowSize: options.windowSize, dvrWindowMs: options.dvrWindowMs });
    this.now = deps.now ?? Date.now;
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

  /** The number of the newest segment cut so far (-1 before the first). */
  get newestSeq(): number {
    const kept = this.window.kept;
    return kept.length === 0 ? -1 : kept[kept.length - 1]!.seq;
  }

  /**
   * A kept segment as MPEG-TS, muxed from its records (in memory or in the spill folder), or from the
   * cache of the newest ones asked for. The same segment always gets the same bytes.
   */
  segment(seq: number): Promise<Buffer | undefined> {
    const cached = this.muxed.get(seq);
    if (cached) {
      this.muxed.delete(seq);
      this.muxed.set(seq, cached);
      return cached;
    }
    const kept = this.window.segment(seq);
    const recipe = this.recipes.get(seq);
    if (!kept || !recipe) return Promise.resolve(undefined);
    const muxing = this.muxSegment(kept, recipe);
    this.muxed.set(seq, muxing);
    if (this.muxed.size > MUXED_CACHE_SEGMENTS) this.muxed.delete(this.muxed.keys().next().value!);
    // A segment that could not be read or muxed is not kept: the next request tries again.
    const uncache = () => {
      if (this.muxed.get(seq) === muxing) this.muxed.delete(seq);
    };
    muxing.then((data) => {
      if (!data) uncache();
    }, uncache);
    return muxing;
  }

  /** Drops the muxed segments kept for players (called when nobody has asked for a while). */
  releaseMuxed(): void {
    this.muxed.clear();
  }

  private async muxSegment(kept: KeptSegment, recipe: SegmentRecipe): Promise<Buffer | undefined> {
    const records = kept.data ? Buffer.concat(kept.data) : await this.deps.spill?.read(kept.seq);
    return records && muxRecordedSegment(records, recipe);
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
    if (!this.placer) return;
    const placed = this.placer.place(packet);
    if (placed.kind === 'drop') return;
    if (placed.kind === 'start') this.startSegment(placed, this.placer.timeOffsetMs);
    const config = packet.config ?? this.tracks[packet.kind]!;
    if (config !== this.inForce[packet.kind]) {
      this.inForce[packet.kind] = config;
      this.write(configRecord(this.configId(config)));
    }
    writePacketHeader(this.header, packet.kind, packet.keyframe, packet.dts, packet.pts, packet.data.length);
    this.write(this.header, true);
    this.write(packet.data);
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
    const last = this.placer?.end();
    if (last) this.publish(last);
    this.window.end();
    this.ended = true;
    this.wake();
  }

  /** A new configuration: the next segment starts a new part after a discontinuity. */
  private restart(): void {
    const last = this.placer?.end();
    if (last) this.publish(last);
    if (this.placer) this.timelineEndMs = this.placer.timelineEndMs ?? this.timelineEndMs;
    if (this.segmentCount > 0) this.discontinuityNext = true;
    this.current = [];
    try {
      // Checked now, though muxing waits for a request: the playlist says why there is no HLS.
      assertTsCarries(this.tracks);
      this.placer = new SegmentPlacer({
        targetDurationMs: this.options.targetDurationMs,
        tracks: this.tracks,
        firstSeq: this.nextSeq,
        timelineStartMs: this.timelineEndMs,
      });
      this.unsupported = undefined;
    } catch (error) {
      this.placer = undefined;
      this.unsupported = (error as Error).message;
      this.wake();
    }
  }

  private startSegment(placed: Placement & { kind: 'start' }, timeOffsetMs: number): void {
    if (placed.cut) this.publish(placed.cut);
    this.nextSeq = placed.seq + 1;
    this.segmentStartedAt = this.now();
    this.openSegmentLost = false;
    this.openBytes = 0;
    this.inForce = { ...this.tracks };
    this.openConfigs = [];
    this.openConfigIds = new Map();
    this.recipes.set(placed.seq, { tracks: this.tracks, timeOffsetMs, configs: this.openConfigs });
    this.deps.spill?.begin(placed.seq);
  }

  /**
   * Appends to the open segment's records. The spill copies what it is given; kept in memory, `bytes` are
   * referenced (a packet's payload never changes) unless the caller reuses them (`reused`: the header).
   */
  private write(bytes: Buffer, reused = false): void {
    this.openBytes += bytes.length;
    if (this.deps.spill) this.deps.spill.append(bytes);
    else this.current.push(reused ? Buffer.from(bytes) : bytes);
  }

  private configId(config: CodecConfig): number {
    let id = this.openConfigIds.get(config);
    if (id === undefined) {
      id = this.openConfigs.push(config) - 1;
      this.openConfigIds.set(config, id);
    }
    return id;
  }

  private publish(info: SegmentBounds): void {
    const spill = this.deps.spill;
    spill?.end();
    const gone = this.window.add({
      seq: info.seq,
      durationMs: info.durationMs,
      data: spill ? undefined : this.current,
      bytes: this.openBytes,
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
    for (const s of gone) {
      this.recipes.delete(s.seq);
      this.muxed.delete(s.seq);
      if (spill) void spill.remove(s.seq).catch(() => undefined);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
