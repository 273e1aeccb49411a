/**
 * Reads a classic (non-fragmented) MP4 — what the finalizer leaves, or any fast-start file — back into
 * sample indexes: the stbl tables (ISO/IEC 14496-12 §8.6–8.7) and the edit list (§8.6.6) of each
 * audio and video track, so a clip can be cut out of it without decoding anything.
 */
import { BoxCursor, type BoxSpan, boxAt, childBoxes, findChild, requireChild } from './box-reader.js';
import { Mp4ScanError } from './errors.js';
import type { ReadAt } from './fmp4-scan.js';
import { MOVIE_TIMESCALE } from './moov.js';
import { describeTrak } from './scan-init.js';
import type { ScannedTrack } from './scanned-mp4.js';

/** Where a track's media sits on the movie's presentation timeline (its first media edit). */
export interface TrackPlacement {
  /** Empty edit before the media, in movie ms. */
  readonly leadMs: number;
  /** Media time (track timescale) shown at movie time `leadMs`. */
  readonly mediaTime: number;
}

export interface MovieTrack extends ScannedTrack {
  readonly placement: TrackPlacement;
}

export interface Mp4Movie {
  readonly tracks: readonly MovieTrack[];
}

/** A moov bigger than this is refused: ~3 MB covers a 2-hour 60 fps recording. */
export const MAX_CLASSIC_MOOV_BYTES = 256 << 20;
const HEADER_PEEK = 16;

/** Reads the top-level boxes up to the moov (wherever it is) and parses its audio and video tracks. */
export async function readMovie(read: ReadAt, fileSize: number): Promise<Mp4Movie> {
  const moov = await readMoovBox(read, fileSize);
  if (moov === undefined) throw new Mp4ScanError('no moov box');
  return parseMovie(moov);
}

/**
 * The duration in ms of a classic (fast-start or moov-at-end) MP4, from its mvhd; undefined for a
 * fragmented one (its moov has an mvex) or a file with no complete moov.
 */
export async function classicMovieDurationMs(read: ReadAt, fileSize: number): Promise<number | undefined> {
  const bytes = await readMoovBox(read, fileSize).catch(() => undefined);
  const moov = bytes && boxAt(bytes, 0, bytes.length);
  if (bytes === undefined || moov === undefined || findChild(bytes, moov, 'mvex') !== undefined)
    return undefined;
  const mvhd = findChild(bytes, moov, 'mvhd');
  if (mvhd === undefined) return undefined;
  const cursor = new BoxCursor(bytes, mvhd);
  const { version } = cursor.versionAndFlags();
  cursor.skip(version === 1 ? 16 : 8);
  const timescale = cursor.u32();
  const duration = cursor.uVersioned(version);
  return timescale > 0 ? Math.round((duration * MOVIE_TIMESCALE) / timescale) : undefined;
}

/** The whole top-level moov box, wherever it sits; undefined when the file has none complete. */
async function readMoovBox(read: ReadAt, fileSize: number): Promise<Buffer | undefined> {
  let position = 0;
  while (position < fileSize) {
    const header = await read(position, Math.min(HEADER_PEEK, fileSize - position));
    const span = boxAt(header, 0, fileSize - position);
    if (span === undefined) return undefined;
    if (span.type === 'moov') {
      const size = span.end;
      if (size > MAX_CLASSIC_MOOV_BYTES) throw new Mp4ScanError(`moov of ${size} bytes is too large`);
      const bytes = await read(position, size);
      if (bytes.length < size) throw new Mp4ScanError('moov could not be read');
      return bytes;
    }
    position += span.end;
  }
  return undefined;
}

/** `bytes` holds exactly one moov box. */
export function parseMovie(bytes: Buffer): Mp4Movie {
  const moov = boxAt(bytes, 0, bytes.length);
  if (moov === undefined || moov.type !== 'moov') throw new Mp4ScanError('moov box expected');
  if (findChild(bytes, moov, 'mvex') !== undefined)
    throw new Mp4ScanError('fragmented MP4: no sample tables');
  const movieTimescale = timescaleOf(bytes, requireChild(bytes, moov, 'mvhd'));
  const tracks: MovieTrack[] = [];
  for (const trakSpan of childBoxes(bytes, moov.bodyStart, moov.end)) {
    if (trakSpan.type !== 'trak') continue;
    const track = describeTrak(bytes, trakSpan);
    if (track === undefined) continue;
    const stbl = requireChild(
      bytes,
      requireChild(bytes, requireChild(bytes, trakSpan, 'mdia'), 'minf'),
      'stbl',
    );
    readSampleTables(bytes, stbl, track);
    tracks.push({ ...track, placement: placementOf(bytes, trakSpan, movieTimescale) });
  }
  return { tracks };
}

function timescaleOf(bytes: Buffer, mvhd: BoxSpan): number {
  const cursor = new BoxCursor(bytes, mvhd);
  const { version } = cursor.versionAndFlags();
  cursor.skip(version === 1 ? 16 : 8);
  const timescale = cursor.u32();
  if (timescale === 0) throw new Mp4ScanError('movie timescale 0');
  return timescale;
}

/** Leading empty edits, then the first media edit; no edit list means media time 0 at movie time 0. */
function placementOf(bytes: Buffer, trakSpan: BoxSpan, movieTimescale: number): TrackPlacement {
  const edts = findChild(bytes, trakSpan, 'edts');
  const elst = edts && findChild(bytes, edts, 'elst');
  if (elst === undefined) return { leadMs: 0, mediaTime: 0 };
  const cursor = new BoxCursor(bytes, elst);
  const { version } = cursor.versionAndFlags();
  const count = cursor.u32();
  let lead = 0;
  for (let i = 0; i < count; i++) {
    const segmentDuration = cursor.uVersioned(version);
    const mediaTime = version === 1 ? signed64(cursor) : cursor.i32();
    cursor.skip(4); // media_rate
    if (mediaTime >= 0) return { leadMs: (lead * MOVIE_TIMESCALE) / movieTimescale, mediaTime };
    lead += segmentDuration;
  }
  return { leadMs: (lead * MOVIE_TIMESCALE) / movieTimescale, mediaTime: 0 };
}

function signed64(cursor: BoxCursor): number {
  const high = cursor.u32();
  const low = cursor.u32();
  if (high === 0xffffffff && low === 0xffffffff) return -1;
  if (high >= 2 ** 21) throw new Mp4ScanError('edit media_time beyond 2^53');
  return high * 2 ** 32 + low;
}

/** Fills the track's SampleIndex (offsets, sizes, durations, composition offsets, sync flags). */
function readSampleTables(bytes: Buffer, stbl: BoxSpan, track: ScannedTrack): void {
  const sizes = sampleSizes(bytes, requireChild(bytes, stbl, 'stsz'));
  const count = sizes.length;
  const durations = expandRuns(bytes, requireChild(bytes, stbl, 'stts'), count, false);
  const cttsSpan = findChild(bytes, stbl, 'ctts');
  const offsets = cttsSpan === undefined ? undefined : expandRuns(bytes, cttsSpan, count, true);
  const stssSpan = findChild(bytes, stbl, 'stss');
  const sync = stssSpan === undefined ? undefined : syncFlags(bytes, stssSpan, count);
  const chunkSpan = findChild(bytes, stbl, 'stco') ?? findChild(bytes, stbl, 'co64');
  if (chunkSpan === undefined) throw new Mp4ScanError('stbl has no stco or co64');
  const positions = sampleOffsets(bytes, requireChild(bytes, stbl, 'stsc'), chunkSpan, sizes);
  for (let i = 0; i < count; i++) {
    track.samples.append(
      positions[i]!,
      sizes[i]!,
      durations[i]!,
      offsets?.[i] ?? 0,
      sync ? sync[i] === 1 : true,
    );
  }
}

function sampleSizes(bytes: Buffer, stsz: BoxSpan): Uint32Array {
  const cursor = new BoxCursor(bytes, stsz);
  cursor.versionAndFlags();
  const fixed = cursor.u32();
  const count = cursor.u32();
  if (fixed === 0 && count * 4 > cursor.remaining) throw new Mp4ScanError('stsz shorter than its count');
  if (count > 2 ** 26) throw new Mp4ScanError(`stsz claims ${count} samples`);
  const sizes = new Uint32Array(count);
  for (let i = 0; i < count; i++) sizes[i] = fixed !== 0 ? fixed : cursor.u32();
  return sizes;
}

/** stts or ctts runs, expanded to one value per sample; exactly `count` samples must be covered. */
function expandRuns(bytes: Buffer, span: BoxSpan, count: number, signed: boolean): Int32Array | Uint32Array {
  const cursor = new BoxCursor(bytes, span);
  const { version } = cursor.versionAndFlags();
  const runs = cursor.u32();
  if (runs * 8 > cursor.remaining) throw new Mp4ScanError(`${span.type} shorter than its entry count`);
  const values = signed ? new Int32Array(count) : new Uint32Array(count);
  let at = 0;
  for (let r = 0; r < runs; r++) {
    const length = cursor.u32();
    const value = signed && version === 1 ? cursor.i32() : cursor.u32();
    if (length > count - at) throw new Mp4ScanError(`${span.type} covers more samples than stsz`);
    values.fill(value, at, at + length);
    at += length;
  }
  if (at !== count) throw new Mp4ScanError(`${span.type} covers ${at} of ${count} samples`);
  return values;
}

function syncFlags(bytes: Buffer, stss: BoxSpan, count: number): Uint8Array {
  const cursor = new BoxCursor(bytes, stss);
  cursor.versionAndFlags();
  const entries = cursor.u32();
  if (entries * 4 > cursor.remaining) throw new Mp4ScanError('stss shorter than its entry count');
  const flags = new Uint8Array(count);
  for (let i = 0; i < entries; i++) {
    const number = cursor.u32();
    if (number < 1 || number > count) throw new Mp4ScanError(`stss names sample ${number} of ${count}`);
    flags[number - 1] = 1;
  }
  return flags;
}

/** Each sample's file offset from the chunk offsets, the sample-to-chunk runs and the sizes. */
function sampleOffsets(bytes: Buffer, stsc: BoxSpan, chunkSpan: BoxSpan, sizes: Uint32Array): Float64Array {
  const chunks = new BoxCursor(bytes, chunkSpan);
  chunks.versionAndFlags();
  const chunkCount = chunks.u32();
  const wide = chunkSpan.type === 'co64';
  if (chunkCount * (wide ? 8 : 4) > chunks.remaining) throw new Mp4ScanError(`${chunkSpan.type} too short`);
  const runs = new BoxCursor(bytes, stsc);
  runs.versionAndFlags();
  const runCount = runs.u32();
  if (runCount * 12 > runs.remaining) throw new Mp4ScanError('stsc shorter than its entry count');
  const firstChunks: number[] = [];
  const perChunk: number[] = [];
  for (let r = 0; r < runCount; r++) {
    firstChunks.push(runs.u32());
    perChunk.push(runs.u32());
    runs.skip(4); // sample_description_index
  }
  const offsets = new Float64Array(sizes.length);
  let sample = 0;
  let run = 0;
  for (let chunk = 1; chunk <= chunkCount && sample < sizes.length; chunk++) {
    while (run + 1 < runCount && firstChunks[run + 1]! <= chunk) run++;
    if (runCount === 0 || firstChunks[run]! > chunk)
      throw new Mp4ScanError(`stsc does not cover chunk ${chunk}`);
    let position = wide ? chunks.u64() : chunks.u32();
    for (let k = 0; k < perChunk[run]! && sample < sizes.length; k++) {
      offsets[sample] = position;
      position += sizes[sample++]!;
    }
  }
  if (sample !== sizes.length) throw new Mp4ScanError(`chunks hold ${sample} of ${sizes.length} samples`);
  return offsets;
}

/** The movie ms at which sample decode time `decodeTime` (track timescale) falls. */
export function movieTimeMs(track: MovieTrack, decodeTime: number): number {
  return (
    track.placement.leadMs + ((decodeTime - track.placement.mediaTime) * MOVIE_TIMESCALE) / track.timescale
  );
}
