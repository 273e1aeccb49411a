/**
 * Cuts a packet stream into HLS media segments and muxes them to MPEG-TS as it goes (the HLS
 * recording). Where segments begin is `SegmentPlacer`'s decision; this adds the muxer.
 */
import type { MediaPacket } from '../../media/packet.js';
import { TsMuxer, type TsTracks } from '../mpegts/ts-muxer.js';
import { type SegmentBounds, SegmentPlacer, type SegmentPlacerOptions } from './segment-placer.js';

export interface SegmentInfo extends SegmentBounds {
  readonly bytes: number;
}

export interface SegmenterOutput {
  /** The segment that ended before this packet. */
  readonly cut?: SegmentInfo;
  /** A new segment starts with this packet; `bytes` then begins with its PAT + PMT. */
  readonly start?: { readonly seq: number };
  /** TS bytes to append to the current segment (empty when the packet was dropped). */
  readonly bytes: Buffer;
}

export interface HlsSegmenterOptions extends SegmentPlacerOptions {
  readonly tracks: TsTracks;
}

const EMPTY = Buffer.alloc(0);

export class HlsSegmenter {
  private readonly placer: SegmentPlacer;
  private readonly muxer: TsMuxer;
  /** TS bytes of the open segment so far. */
  private openBytes = 0;

  constructor(opts: HlsSegmenterOptions) {
    this.muxer = new TsMuxer(opts.tracks);
    this.placer = new SegmentPlacer(opts);
  }

  push(pkt: MediaPacket): SegmenterOutput {
    const placed = this.placer.place(pkt);
    if (placed.kind === 'drop') return { bytes: EMPTY };
    const offsetMs = this.placer.timeOffsetMs;
    if (placed.kind === 'append') {
      const bytes = this.muxer.push(pkt, false, offsetMs);
      this.openBytes += bytes.length;
      return { bytes };
    }
    const cut = placed.cut && this.withBytes(placed.cut);
    const bytes = this.muxer.push(pkt, true, offsetMs);
    this.openBytes = bytes.length;
    const start = { seq: placed.seq };
    return cut ? { cut, start, bytes } : { start, bytes };
  }

  /** Where the segments closed so far end on the TS timeline (ms); the next push starts there. */
  get timelineEndMs(): number | undefined {
    return this.placer.timelineEndMs;
  }

  /** Closes the last segment: it ends one frame after the last packet of whichever track ends later. */
  end(): SegmentInfo | undefined {
    const last = this.placer.end();
    return last && this.withBytes(last);
  }

  private withBytes(bounds: SegmentBounds): SegmentInfo {
    return { ...bounds, bytes: this.openBytes };
  }
}
