import type { MediaPacket } from '../media/packet.js';

const WINDOW_MS = 5000;

/**
 * Rolling ingest figures for one live stream (bitrate and frame rate over the last few seconds of media),
 * kept as two counters per window so the per-packet cost is a few additions.
 */
export class StreamStats {
  bytesIn = 0;
  videoFrames = 0;
  audioFrames = 0;
  private windowStartDts: number | undefined;
  private windowBytes = 0;
  private windowVideoFrames = 0;
  private lastBitrate = 0;
  private lastFps = 0;
  private readonly bitrateHistory: number[] = [];

  add(packet: MediaPacket): void {
    const size = packet.tag.length;
    this.bytesIn += size;
    this.windowBytes += size;
    if (packet.kind === 'video') {
      this.videoFrames++;
      this.windowVideoFrames++;
    } else {
      this.audioFrames++;
    }
    if (this.windowStartDts === undefined) {
      this.windowStartDts = packet.dts;
      return;
    }
    const elapsed = packet.dts - this.windowStartDts;
    if (elapsed >= WINDOW_MS) {
      this.lastBitrate = Math.round((this.windowBytes * 8 * 1000) / elapsed);
      this.lastFps = Math.round((this.windowVideoFrames * 1000 * 100) / elapsed) / 100;
      this.bitrateHistory.push(this.lastBitrate);
      if (this.bitrateHistory.length > 60) this.bitrateHistory.shift();
      this.windowStartDts = packet.dts;
      this.windowBytes = 0;
      this.windowVideoFrames = 0;
    }
  }

  /** Bits per second over the last complete window (0 until one has passed). */
  get bitrate(): number {
    return this.lastBitrate;
  }

  get fps(): number {
    return this.lastFps;
  }

  /** One bitrate sample per window, oldest first — the console draws its sparkline from this. */
  get bitrateSamples(): readonly number[] {
    return this.bitrateHistory;
  }
}
