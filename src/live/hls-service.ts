import { HlsPackager, type HlsPackagerOptions } from './hls-packager.js';
import type { StreamHub } from './hub.js';
import type { LiveStream } from './live-stream.js';

const SWEEP_MS = 10_000;

/**
 * Live HLS on demand: a stream is packaged only while someone is watching it as HLS. A packager
 * nobody asked for within `idleMs` is detached, so idle streams cost nothing. When a watched stream
 * ends, its packager stays readable for `idleMs` under the stream's name, so players fetch the last
 * segments and the `#EXT-X-ENDLIST` playlist instead of a 404 mid-playback.
 */
export class LiveHlsService {
  private readonly packagers = new Map<LiveStream, HlsPackager>();
  /** Ended streams' packagers by `app/stream`. */
  private readonly ended = new Map<string, HlsPackager>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    hub: StreamHub,
    private readonly options: HlsPackagerOptions & { idleMs: number },
  ) {
    hub.on('unpublish', (stream) => {
      const packager = this.packagers.get(stream);
      if (!packager) return;
      this.packagers.delete(stream);
      // The packager is a sink of the stream, so it has seen end() and closed its playlist.
      this.ended.set(endedKey(stream.publisher.app, stream.publisher.stream), packager);
    });
    hub.on('publish', (stream) => this.ended.delete(endedKey(stream.publisher.app, stream.publisher.stream)));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** The packager of a stream that ended while watched, if it is still kept. */
  endedPackager(app: string, stream: string): HlsPackager | undefined {
    const packager = this.ended.get(endedKey(app, stream));
    if (packager) packager.lastRequest = performance.now();
    return packager;
  }

  /** The stream's packager, created and attached on first use. */
  packagerFor(stream: LiveStream): HlsPackager {
    let packager = this.packagers.get(stream);
    if (!packager) {
      packager = new HlsPackager(stream, this.options);
      this.packagers.set(stream, packager);
      stream.attach(packager);
    }
    packager.lastRequest = performance.now();
    return packager;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    // Monotonic, like lastRequest: a wall-clock step must not detach every watched stream's packager.
    const now = performance.now();
    for (const [stream, packager] of this.packagers) {
      if (now - packager.lastRequest > this.options.idleMs) {
        stream.detach(packager);
        this.packagers.delete(stream);
      }
    }
    for (const [key, packager] of this.ended) {
      if (now - packager.lastRequest > this.options.idleMs) this.ended.delete(key);
    }
  }
}

function endedKey(app: string, stream: string): string {
  return `${app}/${stream}`;
}
