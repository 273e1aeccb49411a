/**
 * Appends one moof's samples to the scanned tracks. All or nothing: a fragment that fails any check
 * (a field past its box, a sample outside its mdat) leaves the tracks as they were, so the caller
 * can stop there and call the rest of the file truncated.
 */
import { BoxCursor, type BoxSpan, childBoxes, findChild } from './box-reader.js';
import { Mp4ScanError } from './errors.js';
import type { SampleDefaults, TrackScan } from './scan-init.js';

export interface FragmentLocation {
  /** File offset of `bytes[0]`, which is also where the moof starts. */
  readonly moofOffset: number;
  /** File offsets of the mdat payload that follows the moof. */
  readonly payloadStart: number;
  readonly payloadEnd: number;
}

const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_COMPOSITION_OFFSET = 0x000800;
const SAMPLE_IS_NON_SYNC = 0x00010000;
const UINT32_MAX = 0xffffffff;

/** `bytes` starts with the moof box `moof`. Throws Mp4ScanError, having changed nothing, on any damage. */
export function appendFragment(
  bytes: Buffer,
  moof: BoxSpan,
  where: FragmentLocation,
  tracks: ReadonlyMap<number, TrackScan>,
): void {
  const saved = [...tracks.values()].map((scan) => ({
    scan,
    count: scan.track.samples.count,
    lastDuration: scan.track.samples.duration[scan.track.samples.count - 1] ?? 0,
    decodeEnd: scan.decodeEnd,
  }));
  try {
    // Without default-base-is-moof, a traf's data continues where the previous traf's ended.
    let previousDataEnd = where.moofOffset;
    for (const traf of childBoxes(bytes, moof.bodyStart, moof.end)) {
      if (traf.type === 'traf') previousDataEnd = appendTraf(bytes, traf, where, previousDataEnd, tracks);
    }
  } catch (error) {
    for (const { scan, count, lastDuration, decodeEnd } of saved) {
      scan.track.samples.truncate(count);
      if (count > 0) scan.track.samples.duration[count - 1] = lastDuration;
      scan.decodeEnd = decodeEnd;
    }
    throw error;
  }
}

/** Returns where this traf's sample data ended. */
function appendTraf(
  bytes: Buffer,
  traf: BoxSpan,
  where: FragmentLocation,
  previousDataEnd: number,
  tracks: ReadonlyMap<number, TrackScan>,
): number {
  const tfhdSpan = findChild(bytes, traf, 'tfhd');
  if (tfhdSpan === undefined) throw new Mp4ScanError('traf has no tfhd');
  const tfhd = new BoxCursor(bytes, tfhdSpan);
  const { flags } = tfhd.versionAndFlags();
  const scan = tracks.get(tfhd.u32());
  if (scan === undefined) return previousDataEnd; // a track we do not carry
  let base = previousDataEnd;
  if (flags & TFHD_BASE_DATA_OFFSET) base = tfhd.u64();
  else if (flags & TFHD_DEFAULT_BASE_IS_MOOF) base = where.moofOffset;
  if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) tfhd.skip(4);
  const defaults: SampleDefaults = {
    duration: flags & TFHD_DEFAULT_DURATION ? tfhd.u32() : scan.defaults.duration,
    size: flags & TFHD_DEFAULT_SIZE ? tfhd.u32() : scan.defaults.size,
    flags: flags & TFHD_DEFAULT_FLAGS ? tfhd.u32() : scan.defaults.flags,
  };
  const tfdt = findChild(bytes, traf, 'tfdt');
  if (tfdt !== undefined) alignDecodeTime(scan, decodeTimeOf(bytes, tfdt));
  scan.decodeEnd ??= 0;
  let dataPosition = base;
  for (const trun of childBoxes(bytes, traf.bodyStart, traf.end)) {
    if (trun.type === 'trun')
      dataPosition = appendTrun(bytes, trun, scan, defaults, base, dataPosition, where);
  }
  return dataPosition;
}

function decodeTimeOf(bytes: Buffer, tfdt: BoxSpan): number {
  const cursor = new BoxCursor(bytes, tfdt);
  return cursor.uVersioned(cursor.versionAndFlags().version);
}

/** A tfdt later than the samples so far reach is a gap: the previous sample lasts until it. */
function alignDecodeTime(scan: TrackScan, decodeTime: number): void {
  const samples = scan.track.samples;
  if (scan.decodeEnd === undefined || samples.count === 0) {
    samples.baseDecodeTime = decodeTime;
    scan.decodeEnd = decodeTime;
    return;
  }
  const gap = decodeTime - scan.decodeEnd;
  if (gap <= 0) return;
  const last = samples.count - 1;
  samples.duration[last] = Math.min(UINT32_MAX, samples.duration[last]! + gap);
  scan.decodeEnd = decodeTime;
}

/** Returns where this run's sample data ended. */
function appendTrun(
  bytes: Buffer,
  trun: BoxSpan,
  scan: TrackScan,
  defaults: SampleDefaults,
  base: number,
  continuesAt: number,
  where: FragmentLocation,
): number {
  const cursor = new BoxCursor(bytes, trun);
  const { flags } = cursor.versionAndFlags();
  const count = cursor.u32();
  let position = flags & TRUN_DATA_OFFSET ? base + cursor.i32() : continuesAt;
  const firstFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? cursor.u32() : undefined;
  const entrySize =
    4 * [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_COMPOSITION_OFFSET].filter((bit) => flags & bit).length;
  // Every sample takes at least one byte of the mdat and entrySize bytes of this box: a bogus
  // sample_count fails here instead of looping or allocating.
  if (count * entrySize > cursor.remaining || count > where.payloadEnd - position) {
    throw new Mp4ScanError('trun sample_count does not fit its fragment');
  }
  const samples = scan.track.samples;
  for (let i = 0; i < count; i++) {
    const duration = flags & TRUN_DURATION ? cursor.u32() : defaults.duration;
    const size = flags & TRUN_SIZE ? cursor.u32() : defaults.size;
    const sampleFlags =
      flags & TRUN_FLAGS ? cursor.u32() : i === 0 && firstFlags !== undefined ? firstFlags : defaults.flags;
    const compositionOffset = flags & TRUN_COMPOSITION_OFFSET ? cursor.i32() : 0;
    if (size === 0 || position < where.payloadStart || position + size > where.payloadEnd) {
      throw new Mp4ScanError('sample outside its mdat');
    }
    samples.append(position, size, duration, compositionOffset, (sampleFlags & SAMPLE_IS_NON_SYNC) === 0);
    scan.decodeEnd! += duration;
    position += size;
  }
  return position;
}
