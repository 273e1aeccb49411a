import type { CodecConfig, MediaPacket } from '../media/packet.js';
import { BackpressureGate, type BackpressureOptions } from './backpressure.js';
import type { StreamSink } from './sink.js';

export const TAG_AUDIO = 8;
export const TAG_VIDEO = 9;
export const TAG_SCRIPT = 18;
export type TagType = typeof TAG_AUDIO | typeof TAG_VIDEO | typeof TAG_SCRIPT;

/** A connection that carries FLV-style tags: an RTMP play session or an HTTP-FLV response. */
export interface TagOutput {
  writeTag(type: TagType, timestamp: number, body: Buffer): void;
  /** Bytes accepted but not yet sent to the network. */
  readonly queuedBytes: number;
  /** Ends the connection; `dropped` is true when the player was too slow to keep. */
  close(reason: string, dropped: boolean): void;
}

/**
 * Turns live stream events into tags for one player, gated by the player's own queue so a slow player
 * only ever hurts itself.
 */
export class TagSink implements StreamSink {
  readonly role = 'viewer';
  private readonly gate: BackpressureGate;
  private lastTimestamp = 0;
  private hasVideo = false;
  private closed = false;

  constructor(
    private readonly output: TagOutput,
    backpressure: BackpressureOptions,
    private readonly bitrate: () => number,
  ) {
    this.gate = new BackpressureGate(backpressure);
  }

  get droppedPackets(): number {
    return this.gate.totalDroppedPackets;
  }

  metadata(body: Buffer): void {
    if (this.closed) return;
    this.output.writeTag(TAG_SCRIPT, this.lastTimestamp, body);
  }

  config(config: CodecConfig): void {
    if (this.closed) return;
    if (config.kind === 'video') {
      this.hasVideo = true;
      this.output.writeTag(TAG_VIDEO, this.lastTimestamp, config.tag);
    } else if (config.tag.length > 0) {
      this.output.writeTag(TAG_AUDIO, this.lastTimestamp, config.tag);
    }
  }

  packet(packet: MediaPacket): void {
    if (this.closed) return;
    const decision = this.gate.decide(packet, this.output.queuedBytes, this.hasVideo, this.bitrate());
    if (decision === 'drop') return;
    if (decision === 'disconnect') {
      this.closed = true;
      this.output.close(
        `player too slow: ${this.gate.droppingCount} packets dropped without catching up`,
        true,
      );
      return;
    }
    this.lastTimestamp = packet.dts;
    this.output.writeTag(packet.kind === 'video' ? TAG_VIDEO : TAG_AUDIO, packet.dts, packet.tag);
  }

  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.output.close(reason, false);
  }
}
