import type { AudioConfig, CodecConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import type { StreamSink } from './sink.js';
import { StreamStats } from './stream-stats.js';

/** Who is pushing a stream, as the hub and everything after it needs to know. */
export interface PublisherInfo {
  /** Unique id of this push (one "broadcast session"); push and unpush events share it. */
  readonly sessionId: string;
  readonly app: string;
  readonly stream: string;
  /** The push URL's query string, verbatim and without the leading `?` (Tencent's `stream_param`). */
  readonly streamParam: string;
  readonly remoteAddress: string;
  readonly protocol: 'rtmp';
  /** Wall-clock start of the push, ms since the epoch. */
  readonly startedAt: number;
}

/**
 * Why a push ended. The notifier maps these onto Tencent's disconnect errcodes (1 deleteStream,
 * 2 closeStream, 3 socket closed, 4 socket error…).
 */
export type EndReason =
  | 'deleteStream'
  | 'closeStream'
  | 'socketClosed'
  | 'socketError'
  | 'protocolError'
  | 'idleTimeout'
  | 'kicked'
  | 'shutdown';

/** Ends a push from the server's side (an operator's kick); given by the ingest that owns the connection. */
export type StopPublisher = (detail: string) => void;

/**
 * Slows a push down from the consumer side: while paused, the ingest stops reading the publisher's
 * connection and TCP makes the encoder wait (a recorder whose storage is behind).
 */
export interface IngestFlow {
  pause(): void;
  resume(): void;
  /**
   * Handles what the publisher has already sent, if reading it is only resting (read pacing), and
   * resolves once that is done: an unpublish or a close may be waiting there.
   */
  catchUp?(): Promise<void>;
}

export interface GopCacheLimits {
  enabled: boolean;
  /** A GOP that grows past this (a stream with no keyframes) is dropped rather than kept forever. */
  maxBytes: number;
}

/**
 * One live stream: the current configs and metadata, the GOP cache, and the sinks it fans out to.
 * All calls happen on the publisher's path; a throwing sink is detached, never allowed to hurt the others.
 */
export class LiveStream {
  readonly stats = new StreamStats();
  private metadataBody: Buffer | undefined;
  private video: VideoConfig | undefined;
  private audio: AudioConfig | undefined;
  private gop: MediaPacket[] = [];
  private gopBytes = 0;
  private readonly sinks = new Set<StreamSink>();
  private ended = false;
  private readonly ingestHolds = new Set<object>();
  private pausedSince = 0;
  /** How often consumers paused the publisher, and for how long in all (ms). */
  readonly ingestPauses = { count: 0, totalMs: 0 };
  /** Sinks that failed, reported once by the owner (the hub logs them). */
  onSinkError: ((sink: StreamSink, error: unknown) => void) | undefined;

  constructor(
    readonly publisher: PublisherInfo,
    private readonly gopLimits: GopCacheLimits,
    private readonly stopPublisher?: StopPublisher,
    private readonly ingestFlow?: IngestFlow,
  ) {}

  get key(): string {
    return streamKey(this.publisher.app, this.publisher.stream);
  }

  get videoConfig(): VideoConfig | undefined {
    return this.video;
  }

  get audioConfig(): AudioConfig | undefined {
    return this.audio;
  }

  get metadata(): Buffer | undefined {
    return this.metadataBody;
  }

  get viewerCount(): number {
    let viewers = 0;
    for (const sink of this.sinks) if (sink.role === 'viewer') viewers++;
    return viewers;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Adds a sink and brings it up to date: metadata, configs, then the cached GOP, so a player's first
   * picture is a keyframe and it sees video at once.
   */
  attach(sink: StreamSink): void {
    if (this.ended) {
      sink.end('stream ended');
      return;
    }
    this.sinks.add(sink);
    if (this.metadataBody) this.deliver(sink, (s) => s.metadata(this.metadataBody!));
    if (this.video) this.deliver(sink, (s) => s.config(this.video!));
    if (this.audio) this.deliver(sink, (s) => s.config(this.audio!));
    for (const packet of this.gop) {
      if (!this.sinks.has(sink)) break;
      this.deliver(sink, (s) => s.packet(packet));
    }
  }

  detach(sink: StreamSink): void {
    this.sinks.delete(sink);
  }

  setMetadata(body: Buffer): void {
    this.metadataBody = body;
    for (const sink of this.sinks) this.deliver(sink, (s) => s.metadata(body));
  }

  setConfig(config: CodecConfig): void {
    if (config.kind === 'video') {
      this.video = config;
      // Frames cached under the old configuration cannot be decoded with the new one.
      this.clearGop();
    } else {
      this.audio = config;
    }
    for (const sink of this.sinks) this.deliver(sink, (s) => s.config(config));
  }

  push(packet: MediaPacket): void {
    this.lastPacketAt = performance.now();
    this.stats.add(packet);
    this.cache(packet);
    // The hot path: no closure per sink and packet.
    for (const sink of this.sinks) {
      try {
        sink.packet(packet);
      } catch (error) {
        this.sinks.delete(sink);
        this.onSinkError?.(sink, error);
      }
    }
  }

  /**
   * Disconnects the publisher; the stream then ends like any push (reason `kicked`), its recordings
   * finalized. False when the stream has ended or its ingest cannot be stopped.
   */
  /** Monotonic time of the last media packet (or of the publish): how long the publisher has been silent. */
  private lastPacketAt = performance.now();

  silentForMs(): number {
    return performance.now() - this.lastPacketAt;
  }

  kick(detail: string): boolean {
    if (this.ended || !this.stopPublisher) return false;
    this.stopPublisher(detail);
    return true;
  }

  /** `holder` needs the publisher to wait; it reads again once no holder is left. */
  holdIngest(holder: object): void {
    if (this.ended || this.ingestHolds.has(holder)) return;
    this.ingestHolds.add(holder);
    if (this.ingestHolds.size > 1) return;
    this.ingestPauses.count++;
    this.pausedSince = performance.now();
    this.ingestFlow?.pause();
  }

  releaseIngest(holder: object): void {
    if (!this.ingestHolds.delete(holder) || this.ingestHolds.size > 0) return;
    this.ingestPauses.totalMs += performance.now() - this.pausedSince;
    this.ingestFlow?.resume();
  }

  /** See IngestFlow.catchUp: resolves at once when the ingest cannot say. */
  catchUpIngest(): Promise<void> {
    return this.ingestFlow?.catchUp?.() ?? Promise.resolve();
  }

  get isIngestPaused(): boolean {
    return this.ingestHolds.size > 0;
  }

  end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    const sinks = [...this.sinks];
    this.sinks.clear();
    this.clearGop();
    for (const sink of sinks) {
      try {
        sink.end(reason);
      } catch (error) {
        this.onSinkError?.(sink, error);
      }
    }
  }

  private cache(packet: MediaPacket): void {
    if (!this.gopLimits.enabled) return;
    if (packet.kind === 'video') {
      if (packet.keyframe) this.clearGop();
      else if (this.gop.length === 0) return; // never start a cache on a non-keyframe
    } else if (this.video && this.gop.length === 0) {
      return; // audio joins the cache only behind a keyframe, so players start in sync
    }
    this.gop.push(packet);
    this.gopBytes += packet.tag.length;
    if (this.gopBytes > this.gopLimits.maxBytes) this.clearGop();
    else if (!this.video) this.trimAudioOnly();
  }

  /** Audio-only streams have no GOP; keep about one second so a player starts at once. */
  private trimAudioOnly(): void {
    const newest = this.gop[this.gop.length - 1]!;
    let drop = 0;
    while (drop < this.gop.length && newest.dts - this.gop[drop]!.dts > 1000) {
      this.gopBytes -= this.gop[drop]!.tag.length;
      drop++;
    }
    if (drop > 0) this.gop.splice(0, drop);
  }

  private clearGop(): void {
    this.gop = [];
    this.gopBytes = 0;
  }

  private deliver(sink: StreamSink, call: (sink: StreamSink) => void): void {
    try {
      call(sink);
    } catch (error) {
      this.sinks.delete(sink);
      this.onSinkError?.(sink, error);
    }
  }
}

export function streamKey(app: string, stream: string): string {
  return `${app}/${stream}`;
}
