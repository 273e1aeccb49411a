import { LiveHlsWindow } from '../container/hls/live-window.js';
import { HlsSegmenter, type SegmentInfo } from '../container/hls/segmenter.js';
import type { AudioConfig, CodecConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import type { LiveStream } from './live-stream.js';
import type { StreamSink } from './sink.js';

export interface HlsPackagerOptions {
  targetDurationMs: number;
  windowSize: number;
}

/**
 * Live HLS for one stream: an internal sink that cuts the stream into MPEG-TS segments in memory and
 * keeps a sliding window of them. It is created on the first request (starting from the GOP cache, so
 * the first segment is ready within one target duration) and dropped when nobody has asked for a while.
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
  private waiters: Array<() => void> = [];
  private unsupported: string | undefined;
  /** performance.now() of the last request (monotonic: see LiveHlsService.sweep). */
  lastRequest = performance.now();
  ended = false;

  constructor(
    readonly stream: LiveStream,
    private readonly options: HlsPackagerOptions,
  ) {
    this.window = new LiveHlsWindow({ windowSize: options.windowSize });
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

  segment(seq: number): Buffer[] | undefined {
    return this.window.segment(seq);
  }

  metadata(): void {}

  config(config: CodecConfig): void {
    const known = config.kind === 'video' ? this.tracks.video : this.tracks.audio;
    if (known === config) return;
    this.tracks = { ...this.tracks, [config.kind]: config };
    this.restart();
  }

  packet(packet: MediaPacket): void {
    if (!this.segmenter) return;
    const out = this.segmenter.push(packet);
    if (out.cut) this.publish(out.cut);
    if (out.start) this.nextSeq = out.start.seq + 1;
    if (out.bytes.length > 0) this.current.push(out.bytes);
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
      });
      this.unsupported = undefined;
    } catch (error) {
      this.segmenter = undefined;
      this.unsupported = (error as Error).message;
      this.wake();
    }
  }

  private publish(info: SegmentInfo): void {
    this.window.add({
      seq: info.seq,
      durationMs: info.durationMs,
      data: this.current,
      discontinuity: this.discontinuityNext,
    });
    this.discontinuityNext = false;
    this.current = [];
    this.segmentCount++;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
