/**
 * Movie-level boxes shared by the fragmented init segment and the finalized fast-start file: both
 * describe the same tracks, one with empty sample tables plus mvex, the other with full tables.
 */
import type { TrackKind } from '../../media/packet.js';
import { type Box, box, Fields, fullBox, versionFor } from './boxes.js';

/** mvhd/tkhd/elst durations are in milliseconds: the clock our packets come with. */
export const MOVIE_TIMESCALE = 1000;

export interface TrackHeader {
  readonly trackId: number;
  readonly kind: TrackKind;
  /** Media timescale: 90 kHz for video, the sample rate for audio. */
  readonly timescale: number;
  readonly width: number;
  readonly height: number;
  /** The complete sample-entry box (avc1, mp4a, …). */
  readonly sampleEntry: Buffer;
}

/** One elst entry; `mediaTime` -1 is an empty edit (the track shows nothing for that long). */
export interface Edit {
  readonly segmentDuration: number;
  readonly mediaTime: number;
}

export interface TrackTiming {
  /** Sum of sample durations, in the media timescale. */
  readonly mediaDuration: number;
  /** Presentation length in the movie timescale. */
  readonly trackDuration: number;
  readonly edits: readonly Edit[];
}

export const UNTIMED: TrackTiming = { mediaDuration: 0, trackDuration: 0, edits: [] };

const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];
/** ISO 639-2 "und" packed as three 5-bit letters. */
const LANGUAGE_UNDETERMINED = 0x55c4;

export function ftyp(majorBrand: string, compatibleBrands: readonly string[]): Box {
  const brands = new Fields(8 + 4 * compatibleBrands.length).fourcc(majorBrand).u32(0x200);
  for (const brand of compatibleBrands) brands.fourcc(brand);
  return box('ftyp', brands.done());
}

/** Brands announcing the tracks' sample-entry formats, where such brands exist. */
export function codecBrands(tracks: readonly TrackHeader[]): string[] {
  const brands = tracks.map((track) => track.sampleEntry.toString('latin1', 4, 8));
  return brands.filter((brand) => brand === 'avc1' || brand === 'av01');
}

export function mvhd(duration: number, nextTrackId: number): Box {
  const version = versionFor(duration);
  const body = new Fields((version === 1 ? 28 : 16) + 80)
    .uVersioned(version, 0) // creation_time
    .uVersioned(version, 0) // modification_time
    .u32(MOVIE_TIMESCALE)
    .uVersioned(version, duration)
    .u32(0x00010000) // rate 1.0
    .u16(0x0100) // volume 1.0
    .zeros(10);
  for (const value of UNITY_MATRIX) body.u32(value);
  return fullBox('mvhd', version, 0, body.zeros(24).u32(nextTrackId).done());
}

export function trak(track: TrackHeader, timing: TrackTiming, sampleTables: readonly Box[]): Box {
  const stsd = fullBox('stsd', 0, 0, new Fields(4).u32(1).done(), track.sampleEntry);
  const mediaHeader = track.kind === 'video' ? vmhd() : smhd();
  const dref = fullBox('dref', 0, 0, new Fields(4).u32(1).done(), fullBox('url ', 0, 1)); // data in this file
  const minf = box('minf', mediaHeader, box('dinf', dref), box('stbl', stsd, ...sampleTables));
  const mdia = box('mdia', mdhd(track.timescale, timing.mediaDuration), hdlr(track.kind), minf);
  const edts = timing.edits.length > 0 ? [box('edts', elst(timing.edits))] : [];
  return box('trak', tkhd(track, timing.trackDuration), ...edts, mdia);
}

/** mvex with one trex per track: fragments declare their own durations, sizes and flags. */
export function mvex(tracks: readonly { trackId: number; defaultSampleFlags: number }[]): Box {
  const trexes = tracks.map((track) =>
    fullBox(
      'trex',
      0,
      0,
      new Fields(20)
        .u32(track.trackId)
        .u32(1) // default_sample_description_index
        .u32(0) // default_sample_duration
        .u32(0) // default_sample_size
        .u32(track.defaultSampleFlags)
        .done(),
    ),
  );
  return box('mvex', ...trexes);
}

function tkhd(track: TrackHeader, duration: number): Box {
  const version = versionFor(duration);
  const body = new Fields((version === 1 ? 32 : 20) + 60)
    .uVersioned(version, 0) // creation_time
    .uVersioned(version, 0) // modification_time
    .u32(track.trackId)
    .u32(0)
    .uVersioned(version, duration)
    .zeros(8)
    .u16(0) // layer
    .u16(0) // alternate_group
    .u16(track.kind === 'audio' ? 0x0100 : 0)
    .u16(0);
  for (const value of UNITY_MATRIX) body.u32(value);
  body.u32(track.width * 0x10000).u32(track.height * 0x10000);
  return fullBox('tkhd', version, 0x3 /* enabled, in movie */, body.done());
}

function mdhd(timescale: number, duration: number): Box {
  const version = versionFor(duration);
  const body = new Fields((version === 1 ? 28 : 16) + 4)
    .uVersioned(version, 0)
    .uVersioned(version, 0)
    .u32(timescale)
    .uVersioned(version, duration)
    .u16(LANGUAGE_UNDETERMINED)
    .u16(0)
    .done();
  return fullBox('mdhd', version, 0, body);
}

function hdlr(kind: TrackKind): Box {
  const name = kind === 'video' ? 'VideoHandler' : 'SoundHandler';
  const body = new Fields(20 + name.length + 1)
    .u32(0)
    .fourcc(kind === 'video' ? 'vide' : 'soun')
    .zeros(12)
    .bytesOf(Buffer.from(name, 'latin1'))
    .u8(0)
    .done();
  return fullBox('hdlr', 0, 0, body);
}

function vmhd(): Box {
  return fullBox('vmhd', 0, 1, Buffer.alloc(8)); // graphicsmode copy, opcolor 0
}

function smhd(): Box {
  return fullBox('smhd', 0, 0, Buffer.alloc(4)); // balance centre
}

function elst(edits: readonly Edit[]): Box {
  const version = versionFor(...edits.map((edit) => Math.max(edit.segmentDuration, edit.mediaTime)));
  const entrySize = version === 1 ? 20 : 12;
  const body = new Fields(4 + entrySize * edits.length).u32(edits.length);
  for (const edit of edits) {
    body.uVersioned(version, edit.segmentDuration);
    if (version === 1) {
      // media_time -1 (empty edit) as a signed 64-bit value
      if (edit.mediaTime < 0) body.u32(0xffffffff).u32(0xffffffff);
      else body.u64(edit.mediaTime);
    } else body.i32(edit.mediaTime);
    body.u16(1).u16(0); // media_rate 1.0
  }
  return fullBox('elst', version, 0, body.done());
}
