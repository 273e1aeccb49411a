import { HlsPackager, type HlsPackagerOptions } from './hls-packager.js';
import type { StreamHub } from './hub.js';
import type { LiveStream } from './live-stream.js';

const SWEEP_MS = 10_000;

/**
 * Live HLS on demand: a stream is packaged only while someone is watching it as HLS. A packager
 * nobody asked for within `idleMs` is detached, so idle streams cost nothing.
 */
export class LiveHlsService {
  private readonly packagers = new Map<LiveStream, HlsPackager>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    hub: StreamHub,
    private readonly options: HlsPackagerOptions & { idleMs: number },
  ) {
    hub.on('unpublish', (stream) => this.packagers.delete(stream));
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** The stream's packager, created and attached on first use. */
  packagerFor(stream: LiveStream): HlsPackager {
    let packager = this.packagers.get(stream);
    if (!packager) {
      packager = new HlsPackager(stream, this.options);
      this.packagers.set(stream, packager);
      stream.attach(packager);
    }
    packager.lastRequest = Date.now();
    return packager;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [stream, packager] of this.packagers) {
      if (now - packager.lastRequest > this.options.idleMs) {
        stream.detach(packager);
        this.packagers.delete(stream);
      }
    }
  }
}
