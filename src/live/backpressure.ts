import type { MediaPacket } from '../media/packet.js';

export type GateDecision = 'send' | 'drop' | 'disconnect';

export interface BackpressureOptions {
  /** Media time a player's connection may hold queued before the player is considered behind. */
  maxLagMs: number;
  /** Floor of the queue bound, for streams whose bitrate is not yet known or very low. */
  minQueuedBytes: number;
}

/**
 * Per-player admission for live packets. A player whose connection holds more than `maxLagMs` worth of
 * the stream's bitrate is behind: it drops everything until its queue has drained to half and a video
 * keyframe arrives (so it resumes on a decodable picture, with audio alongside). A player that cannot
 * catch up within twice `maxLagMs` of media is disconnected. The publisher and other players never
 * wait for it.
 */
export class BackpressureGate {
  private dropping = false;
  private dropStartDts = 0;
  private droppedPackets = 0;
  private totalDropped = 0;

  constructor(private readonly options: BackpressureOptions) {}

  decide(packet: MediaPacket, queuedBytes: number, hasVideo: boolean, bitrate: number): GateDecision {
    const bound = Math.max(this.options.minQueuedBytes, (bitrate * this.options.maxLagMs) / 8000);
    if (!this.dropping) {
      if (queuedBytes <= bound) return 'send';
      this.dropping = true;
      this.dropStartDts = packet.dts;
      this.droppedPackets = 0;
    }
    const drained = queuedBytes <= bound / 2;
    const resumable = hasVideo ? packet.kind === 'video' && packet.keyframe : true;
    if (drained && resumable) {
      this.dropping = false;
      return 'send';
    }
    if (packet.dts - this.dropStartDts > 2 * this.options.maxLagMs) return 'disconnect';
    this.droppedPackets++;
    this.totalDropped++;
    return 'drop';
  }

  /** Packets dropped since the current episode began (0 when not dropping). */
  get droppingCount(): number {
    return this.dropping ? this.droppedPackets : 0;
  }

  get totalDroppedPackets(): number {
    return this.totalDropped;
  }

  get isDropping(): boolean {
    return this.dropping;
  }
}
