import type { DirectWriteGate } from '../storage/direct-writes.js';
import { SegmentSpill, spillTarget } from '../storage/segment-spill.js';
import { HlsPackager, type HlsPackagerOptions, type HlsPackagerStats } from './hls-packager.js';
import type { StreamHub } from './hub.js';
import { type LiveStream, streamKey } from './live-stream.js';

const SWEEP_MS = 10_000;

export interface LiveHlsServiceOptions extends HlsPackagerOptions {
  idleMs: number;
  /** The data folder whose `live-dvr/` holds the older segments of DVR windows (needed when dvrWindowMs > 0). */
  dataDir?: string;
  /** When the spill's writes may be made synchronously (the server's gate for its disk). */
  directWrites?: DirectWriteGate;
  onSpillError?: (stream: LiveStream, error: unknown) => void;
}

/**
 * Live HLS. Without a DVR window (`dvrWindowMs` 0) a stream is packaged only while someone is watching
 * it as HLS: a packager nobody asked for within `idleMs` is detached, so idle streams cost nothing. With
 * one, every stream is packaged from the start of its push, so a late viewer can go back to it.
 * When a stream ends, its packager stays readable for `idleMs` after the last request under the
 * stream's name, so players fetch the last segments and the `#EXT-X-ENDLIST` playlist instead of a 404
 * mid-playback; then its spill folder is removed.
 */
export class LiveHlsService {
  private readonly packagers = new Map<LiveStream, HlsPackager>();
  /** Ended streams' packagers by `app/stream`. */
  private readonly ended = new Map<string, HlsPackager>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    hub: StreamHub,
    private readonly options: LiveHlsServiceOptions,
  ) {
    hub.on('unpublish', (stream) => this.streamEnded(stream));
    hub.on('publish', (stream) => {
      this.retire(this.ended.get(stream.key));
      this.ended.delete(stream.key);
      if (this.dvr) this.packagerFor(stream);
    });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Whether playlists reach back (and time shift is possible). */
  get dvr(): boolean {
    return this.options.dvrWindowMs > 0;
  }

  /** The packager of a stream that ended while packaged, if it is still kept. */
  endedPackager(app: string, stream: string): HlsPackager | undefined {
    const packager = this.ended.get(streamKey(app, stream));
    if (packager) packager.lastRequest = performance.now();
    return packager;
  }

  /**
   * A packaged stream ended (unpublished, or a stream relayed from another node whose pull ended): its
   * packager stays readable by name for `idleMs` after the last request.
   */
  streamEnded(stream: LiveStream): void {
    const packager = this.packagers.get(stream);
    if (!packager) return;
    this.packagers.delete(stream);
    // The packager is a sink of the stream, so it has seen end() and closed its playlist.
    packager.lastRequest = performance.now();
    this.retire(this.ended.get(stream.key));
    this.ended.set(stream.key, packager);
  }

  /** The stream's packager, created and attached on first use. */
  packagerFor(stream: LiveStream): HlsPackager {
    let packager = this.packagers.get(stream);
    if (!packager) {
      const spill =
        this.dvr && this.options.dataDir !== undefined
          ? new SegmentSpill(
              spillTarget(this.options.dataDir, this.options.directWrites),
              stream.publisher.sessionId,
              (seq, error) => created.spillFailed(seq, error),
            )
          : undefined;
      const created = new HlsPackager(stream, this.options, {
        ...(spill && { spill }),
        onSpillError: (error) => this.options.onSpillError?.(stream, error),
      });
      packager = created;
      this.packagers.set(stream, packager);
      stream.attach(packager);
    }
    packager.lastRequest = performance.now();
    return packager;
  }

  /** What the live stream's packager holds, if it has one. */
  statsOf(stream: LiveStream): HlsPackagerStats | undefined {
    return this.packagers.get(stream)?.stats;
  }

  /** Stops sweeping and removes every spill folder. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.packagers.values(), ...this.ended.values()];
    this.packagers.clear();
    this.ended.clear();
    await Promise.allSettled(all.map((p) => p.dispose()));
  }

  private sweep(): void {
    // Monotonic, like lastRequest: a wall-clock step must not detach every watched stream's packager.
    const now = performance.now();
    // Muxed segments are kept for players at the live edge; nobody asking means nobody is watching.
    for (const packager of this.packagers.values())
      if (now - packager.lastRequest > SWEEP_MS) packager.releaseMuxed();
    if (!this.dvr) {
      for (const [stream, packager] of this.packagers) {
        if (now - packager.lastRequest > this.options.idleMs) {
          stream.detach(packager);
          this.packagers.delete(stream);
        }
      }
    }
    for (const [key, packager] of this.ended) {
      if (now - packager.lastRequest > this.options.idleMs) {
        this.ended.delete(key);
        this.retire(packager);
      }
    }
  }

  private retire(packager: HlsPackager | undefined): void {
    void packager?.dispose().catch(() => undefined);
  }
}
