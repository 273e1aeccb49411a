/**
 * The reverse of annexb-video-stream.ts: an H.264/HEVC access unit in Annex B byte-stream form
 * (ISO 14496-10 Annex B) becomes an MP4 sample of 4-byte length-prefixed NAL units (ISO 14496-15).
 * Access unit delimiters are dropped (MP4 has none), and parameter sets are taken out for the sample
 * entry; a keyframe is an access unit holding an IDR (H.264) or IRAP (HEVC) picture.
 */
import { nalSyntaxOf } from './annexb-video-stream.js';

export interface AnnexBSample {
  /** Length-prefixed NAL units (4-byte lengths), parameter sets and delimiters removed. */
  readonly sample: Buffer;
  /** The parameter sets the access unit carried, each without start code, in stream order. */
  readonly parameterSets: readonly Buffer[];
  readonly keyframe: boolean;
}

export const SAMPLE_LENGTH_SIZE = 4;

export function annexBToSample(data: Buffer, codec: 'avc' | 'hevc'): AnnexBSample {
  const syntax = nalSyntaxOf(codec);
  const kept: Buffer[] = [];
  const parameterSets: Buffer[] = [];
  let keyframe = false;
  let size = 0;
  for (const nal of annexBUnits(data)) {
    const type = syntax.nalType(nal[0]!);
    if (type === syntax.audType) continue;
    if (syntax.parameterSetTypes.includes(type)) {
      parameterSets.push(nal);
      continue;
    }
    if (syntax.isRandomAccess(type)) keyframe = true;
    kept.push(nal);
    size += SAMPLE_LENGTH_SIZE + nal.length;
  }
  const sample = Buffer.allocUnsafe(size);
  let at = 0;
  for (const nal of kept) {
    sample.writeUInt32BE(nal.length, at);
    nal.copy(sample, at + SAMPLE_LENGTH_SIZE);
    at += SAMPLE_LENGTH_SIZE + nal.length;
  }
  return { sample, parameterSets, keyframe };
}

/**
 * The NAL units between start codes (00 00 01, or 00 00 00 01), as views into `data`; trailing zero
 * bytes before a start code belong to no unit, and bytes before the first start code are skipped.
 */
export function annexBUnits(data: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    if (data[i + 2]! > 1) {
      i += 3;
    } else if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) pushUnit(units, data, start, i);
      start = i + 3;
      i += 3;
    } else {
      i++;
    }
  }
  if (start >= 0) pushUnit(units, data, start, data.length);
  return units;
}

function pushUnit(units: Buffer[], data: Buffer, start: number, end: number): void {
  let last = end;
  while (last > start && data[last - 1] === 0) last--;
  if (last > start) units.push(data.subarray(start, last));
}
