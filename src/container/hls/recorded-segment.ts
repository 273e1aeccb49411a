/**
 * Muxes one live segment's media records (media-records.ts) to MPEG-TS, on demand. Each segment gets a
 * muxer of its own, so the bytes depend only on the records and the segment's recipe: every request for
 * a segment (a player's retry, a cache miss) gets the same bytes. A segment starts with PAT + PMT and a
 * keyframe (or, cut on audio, an audio frame), so it decodes on its own; its continuity counters start
 * at 0 (docs/decisions/0032-dvr-mux-on-demand.md says why players accept that).
 */
import type { CodecConfig, MediaPacket } from '../../media/packet.js';
import { TsMuxer, type TsTracks } from '../mpegts/ts-muxer.js';
import { MediaRecordError, readMediaRecords } from './media-records.js';

/** What a segment's records need besides themselves to be muxed as they would have been at ingest. */
export interface SegmentRecipe {
  /** The tracks (and their configurations) in force when the segment started. */
  readonly tracks: TsTracks;
  /** Packet time + this = TS time (`SegmentPlacer.timeOffsetMs`). */
  readonly timeOffsetMs: number;
  /** The configurations the segment's config-change records index (the segment's own, so they go with it). */
  readonly configs: readonly CodecConfig[];
}

/** @throws MediaRecordError for torn or foreign records; TsMuxError for media the muxer refuses. */
export function muxRecordedSegment(records: Buffer, recipe: SegmentRecipe): Buffer {
  const muxer = new TsMuxer(recipe.tracks);
  const current: { video?: CodecConfig | undefined; audio?: CodecConfig | undefined } = { ...recipe.tracks };
  const out: Buffer[] = [];
  for (const record of readMediaRecords(records)) {
    if (record.type === 'config') {
      const config = recipe.configs[record.configId];
      if (!config) throw new MediaRecordError(`config record names unknown configuration ${record.configId}`);
      current[config.kind] = config;
      continue;
    }
    const { kind, keyframe, dts, pts, data } = record;
    const packet: MediaPacket = { kind, keyframe, dts, pts, data, tag: data, config: current[kind] };
    out.push(muxer.push(packet, out.length === 0, recipe.timeOffsetMs));
  }
  return Buffer.concat(out);
}
