/** Reads the init segment's moov back into track descriptions for the scanner. */
import type { TrackKind } from '../../media/packet.js';
import { BoxCursor, type BoxSpan, boxAt, childBoxes, findChild, requireChild } from './box-reader.js';
import { Mp4ScanError } from './errors.js';
import { SampleIndex } from './sample-index.js';
import type { ScannedTrack } from './scanned-mp4.js';

/** trex defaults, which a traf's tfhd may override. */
export interface SampleDefaults {
  readonly duration: number;
  readonly size: number;
  readonly flags: number;
}

/** A scanned track plus what the fragment parser needs to read its trafs. */
export interface TrackScan {
  readonly track: ScannedTrack;
  readonly defaults: SampleDefaults;
  /** Decode time right after the last accepted sample, once there is one. */
  decodeEnd: number | undefined;
}

const HANDLER_KINDS: Readonly<Record<string, TrackKind>> = { vide: 'video', soun: 'audio' };
/** Sample entry header (8) + the fixed VisualSampleEntry / AudioSampleEntry fields. */
const VISUAL_ENTRY_MIN = 8 + 78;
const AUDIO_ENTRY_MIN = 8 + 28;

/** Tracks of a fragmented file's moov (`bytes` holds exactly the moov box). */
export function parseInitSegment(bytes: Buffer): TrackScan[] {
  const moov = boxAt(bytes, 0, bytes.length);
  if (moov === undefined || moov.type !== 'moov') throw new Mp4ScanError('moov box expected');
  const mvex = findChild(bytes, moov, 'mvex');
  if (mvex === undefined) throw new Mp4ScanError('moov has no mvex: not a fragmented MP4');
  const defaults = new Map<number, SampleDefaults>();
  for (const trex of childBoxes(bytes, mvex.bodyStart, mvex.end)) {
    if (trex.type !== 'trex') continue;
    const cursor = new BoxCursor(bytes, trex);
    cursor.versionAndFlags();
    const trackId = cursor.u32();
    cursor.skip(4); // default_sample_description_index
    defaults.set(trackId, { duration: cursor.u32(), size: cursor.u32(), flags: cursor.u32() });
  }
  const scans: TrackScan[] = [];
  for (const trakSpan of childBoxes(bytes, moov.bodyStart, moov.end)) {
    if (trakSpan.type !== 'trak') continue;
    const track = describeTrak(bytes, trakSpan);
    if (track === undefined) continue;
    if (hasSampleTable(bytes, trakSpan))
      throw new Mp4ScanError('samples in the moov itself are not supported');
    if (scans.some((scan) => scan.track.trackId === track.trackId)) {
      throw new Mp4ScanError(`track ${track.trackId} declared twice`);
    }
    scans.push({
      track,
      defaults: defaults.get(track.trackId) ?? { duration: 0, size: 0, flags: 0 },
      decodeEnd: undefined,
    });
  }
  if (scans.length === 0) throw new Mp4ScanError('moov has no audio or video track');
  return scans;
}

/** True when the trak's stsz gives samples a size (a classic MP4, not an init segment). */
function hasSampleTable(bytes: Buffer, trakSpan: BoxSpan): boolean {
  const mdia = requireChild(bytes, trakSpan, 'mdia');
  const stsz = findChild(bytes, requireChild(bytes, requireChild(bytes, mdia, 'minf'), 'stbl'), 'stsz');
  if (stsz === undefined) return false;
  const cursor = new BoxCursor(bytes, stsz);
  cursor.skip(4); // version/flags
  return cursor.u32() !== 0; // sample_size
}

/**
 * A video or audio trak's header facts with an empty sample index; undefined for other handlers
 * (they are left out of the final file). Shared by the fragment scanner and the classic reader.
 */
export function describeTrak(bytes: Buffer, trakSpan: BoxSpan): ScannedTrack | undefined {
  const mdia = requireChild(bytes, trakSpan, 'mdia');
  const kind = HANDLER_KINDS[handlerType(bytes, requireChild(bytes, mdia, 'hdlr'))];
  if (kind === undefined) return undefined;
  const stbl = requireChild(bytes, requireChild(bytes, mdia, 'minf'), 'stbl');
  const entry = firstSampleEntry(bytes, requireChild(bytes, stbl, 'stsd'));
  const entryLength = entry.end - entry.start;
  if (entryLength < (kind === 'video' ? VISUAL_ENTRY_MIN : AUDIO_ENTRY_MIN)) {
    throw new Mp4ScanError(`${entry.type} sample entry too short`);
  }
  const timescale = mediaTimescale(bytes, requireChild(bytes, mdia, 'mdhd'));
  // Fixed fields: 8 bytes of SampleEntry, then width/height 24 bytes into a visual entry's body,
  // channelcount 16 bytes into an audio entry's body.
  const body = entry.bodyStart;
  return {
    trackId: trackIdOf(bytes, requireChild(bytes, trakSpan, 'tkhd')),
    kind,
    timescale,
    codec: entry.type,
    width: kind === 'video' ? bytes.readUInt16BE(body + 24) : 0,
    height: kind === 'video' ? bytes.readUInt16BE(body + 26) : 0,
    channels: kind === 'audio' ? bytes.readUInt16BE(body + 16) : 0,
    sampleEntry: Buffer.from(bytes.subarray(entry.start, entry.end)),
    samples: new SampleIndex(),
  };
}

function trackIdOf(bytes: Buffer, tkhd: BoxSpan): number {
  const cursor = new BoxCursor(bytes, tkhd);
  const { version } = cursor.versionAndFlags();
  cursor.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const trackId = cursor.u32();
  if (trackId === 0) throw new Mp4ScanError('track_ID 0');
  return trackId;
}

function mediaTimescale(bytes: Buffer, mdhd: BoxSpan): number {
  const cursor = new BoxCursor(bytes, mdhd);
  const { version } = cursor.versionAndFlags();
  cursor.skip(version === 1 ? 16 : 8);
  const timescale = cursor.u32();
  if (timescale === 0) throw new Mp4ScanError('media timescale 0');
  return timescale;
}

function handlerType(bytes: Buffer, hdlr: BoxSpan): string {
  const cursor = new BoxCursor(bytes, hdlr);
  cursor.skip(8); // version/flags, pre_defined
  return cursor.fourcc();
}

function firstSampleEntry(bytes: Buffer, stsd: BoxSpan): BoxSpan {
  const cursor = new BoxCursor(bytes, stsd);
  cursor.skip(4);
  if (cursor.u32() === 0) throw new Mp4ScanError('stsd has no sample entry');
  const entry = boxAt(bytes, stsd.bodyStart + 8, stsd.end - stsd.bodyStart - 8);
  if (entry === undefined) throw new Mp4ScanError('malformed sample entry');
  return entry;
}
