/**
 * Rewrites an H.264 SPS so it declares no picture reordering (VUI bitstream_restriction with
 * max_num_reorder_frames = 0). The snapshot decoder is fed keyframes only — each an IDR picture that
 * needs no reordering — but a stream with B-frames declares a reorder depth of 2 or more, and ffmpeg
 * then holds that many pictures back before it outputs one. Rewritten, it outputs each keyframe as a
 * Baseline stream's, and the decoder needs as few push-through copies (docs/decisions/0020-sps-rewrite-for-snapshots.md).
 * Pure: bytes in, bytes out; undefined for anything it cannot rewrite with confidence.
 */

import { avcNalLengthSize, avcParameterSets, readAvcSpsUpToVui } from '../media/avc.js';
import { BitReader, escapeRbsp, skipVuiPrefix, unescapeRbsp } from '../media/bit-reader.js';
import { MediaParseError } from '../media/errors.js';

const NAL_SPS = 7;
/** The FLV AVC video tag header: frame type/codec, AVCPacketType, composition time (3 bytes). */
const FLV_AVC_HEADER_BYTES = 5;
const FLV_CODEC_AVC = 7;

/** An SPS NAL unit (with its 1-byte header) declaring no reordering; undefined when it cannot be read. */
export function spsWithoutReorder(nal: Buffer): Buffer | undefined {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== NAL_SPS) return undefined;
  const rbsp = unescapeRbsp(nal);
  try {
    const bits = new BitReader(rbsp);
    bits.skipBits(8); // NAL header
    const { maxNumRefFrames } = readAvcSpsUpToVui(bits);
    const out = new BitWriter();
    if (!bits.readFlag()) {
      // No VUI: one with nothing in it but the restriction.
      out.copy(rbsp, rbsp.length * 8 - bits.bitsLeft - 1);
      out.bit(1); // vui_parameters_present_flag
      for (let flag = 0; flag < 8; flag++) out.bit(0); // aspect … pic_struct_present_flag
      writeRestriction(out, defaultRestriction(maxNumRefFrames));
    } else {
      skipVuiUpToRestriction(bits);
      out.copy(rbsp, rbsp.length * 8 - bits.bitsLeft);
      const restriction = bits.readFlag() ? readRestriction(bits) : defaultRestriction(maxNumRefFrames);
      writeRestriction(out, { ...restriction, maxNumReorderFrames: 0 });
    }
    out.bit(1); // rbsp_stop_one_bit, then alignment zeros
    return escapeRbsp(out.bytes());
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}

/** The FLV sequence-header tag body of an AVC config with its SPSs rewritten; undefined if it cannot be. */
export function avcTagWithoutReorder(tag: Buffer): Buffer | undefined {
  // Enhanced RTMP headers (bit 7 set) and other codecs are left as they are.
  if (tag.length <= FLV_AVC_HEADER_BYTES || (tag[0]! & 0x8f) !== FLV_CODEC_AVC || tag[1] !== 0)
    return undefined;
  const record = tag.subarray(FLV_AVC_HEADER_BYTES);
  try {
    const { sps, pps } = avcParameterSets(record);
    const rewritten = sps.map(spsWithoutReorder);
    if (sps.length === 0 || rewritten.some((nal) => nal === undefined || nal.length > 0xffff))
      return undefined;
    const units = (nals: readonly Buffer[]) =>
      nals.flatMap((nal) => [Buffer.from([nal.length >> 8, nal.length & 0xff]), nal]);
    const spsStart = 6;
    return Buffer.concat([
      tag.subarray(0, FLV_AVC_HEADER_BYTES),
      record.subarray(0, 5),
      Buffer.from([(record[5]! & 0xe0) | rewritten.length]),
      ...units(rewritten as Buffer[]),
      Buffer.from([pps.length]),
      ...units(pps),
      // Anything after the PPSs (the High-profile chroma/bit-depth extension) is kept as it was.
      record.subarray(spsStart + lengthOf(sps) + 1 + lengthOf(pps)),
    ]);
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}

/**
 * An AVC keyframe's FLV tag body with any in-band SPS rewritten (some encoders repeat it before each
 * IDR, and ffmpeg would take the reorder depth from it again); the tag itself when it has none.
 */
export function avcFrameWithoutReorder(tag: Buffer, record: Buffer): Buffer {
  if (tag.length <= FLV_AVC_HEADER_BYTES || (tag[0]! & 0x8f) !== FLV_CODEC_AVC) return tag;
  try {
    const lengthSize = avcNalLengthSize(record);
    const parts: Buffer[] = [tag.subarray(0, FLV_AVC_HEADER_BYTES)];
    let changed = false;
    for (let at = FLV_AVC_HEADER_BYTES; at < tag.length; ) {
      if (at + lengthSize > tag.length) return tag;
      const length = tag.readUIntBE(at, lengthSize);
      const nal = tag.subarray(at + lengthSize, at + lengthSize + length);
      if (nal.length !== length) return tag;
      const sps = (nal[0]! & 0x1f) === NAL_SPS ? spsWithoutReorder(nal) : undefined;
      if (sps !== undefined && sps.length < 2 ** (8 * lengthSize)) {
        const prefix = Buffer.alloc(lengthSize);
        prefix.writeUIntBE(sps.length, 0, lengthSize);
        parts.push(prefix, sps);
        changed = true;
      } else {
        parts.push(tag.subarray(at, at + lengthSize + length));
      }
      at += lengthSize + length;
    }
    return changed ? Buffer.concat(parts) : tag;
  } catch (error) {
    if (error instanceof MediaParseError) return tag;
    throw error;
  }
}

function lengthOf(nals: readonly Buffer[]): number {
  return nals.reduce((sum, nal) => sum + 2 + nal.length, 0);
}

interface Restriction {
  readonly motionVectorsOverPicBoundaries: number;
  readonly maxBytesPerPicDenom: number;
  readonly maxBitsPerMbDenom: number;
  readonly log2MaxMvLengthHorizontal: number;
  readonly log2MaxMvLengthVertical: number;
  readonly maxNumReorderFrames: number;
  readonly maxDecFrameBuffering: number;
}

/** The values H.264 E.2.1 infers when bitstream_restriction_flag is 0, with no reordering. */
function defaultRestriction(maxNumRefFrames: number): Restriction {
  return {
    motionVectorsOverPicBoundaries: 1,
    maxBytesPerPicDenom: 2,
    maxBitsPerMbDenom: 1,
    log2MaxMvLengthHorizontal: 15,
    log2MaxMvLengthVertical: 15,
    maxNumReorderFrames: 0,
    maxDecFrameBuffering: maxNumRefFrames,
  };
}

function readRestriction(bits: BitReader): Restriction {
  return {
    motionVectorsOverPicBoundaries: bits.readBit(),
    maxBytesPerPicDenom: bits.readUe(),
    maxBitsPerMbDenom: bits.readUe(),
    log2MaxMvLengthHorizontal: bits.readUe(),
    log2MaxMvLengthVertical: bits.readUe(),
    maxNumReorderFrames: bits.readUe(),
    maxDecFrameBuffering: bits.readUe(),
  };
}

/** bitstream_restriction_flag = 1 and the restriction. */
function writeRestriction(out: BitWriter, r: Restriction): void {
  out.bit(1);
  out.bit(r.motionVectorsOverPicBoundaries);
  out.ue(r.maxBytesPerPicDenom);
  out.ue(r.maxBitsPerMbDenom);
  out.ue(r.log2MaxMvLengthHorizontal);
  out.ue(r.log2MaxMvLengthVertical);
  out.ue(r.maxNumReorderFrames);
  out.ue(r.maxDecFrameBuffering);
}

/** Reads a present VUI (H.264 E.1.1) up to, not including, bitstream_restriction_flag. */
function skipVuiUpToRestriction(bits: BitReader): void {
  skipVuiPrefix(bits);
  if (bits.readFlag()) bits.skipBits(65); // num_units_in_tick, time_scale, fixed_frame_rate_flag
  const nalHrd = bits.readFlag();
  if (nalHrd) skipHrd(bits);
  const vclHrd = bits.readFlag();
  if (vclHrd) skipHrd(bits);
  if (nalHrd || vclHrd) bits.skipBits(1); // low_delay_hrd_flag
  bits.skipBits(1); // pic_struct_present_flag
}

/** hrd_parameters() (H.264 E.1.2). */
function skipHrd(bits: BitReader): void {
  const cpbCount = bits.readUe() + 1;
  if (cpbCount > 32) throw new MediaParseError('cpb_cnt_minus1 out of range');
  bits.skipBits(8); // bit_rate_scale, cpb_size_scale
  for (let i = 0; i < cpbCount; i++) {
    bits.readUe(); // bit_rate_value_minus1
    bits.readUe(); // cpb_size_value_minus1
    bits.skipBits(1); // cbr_flag
  }
  bits.skipBits(20); // four delay/offset lengths of 5 bits
}

/** MSB-first bit writer: copies a prefix of another bitstream, then appends bits and ue(v) codes. */
class BitWriter {
  private readonly bits: number[] = [];

  copy(source: Buffer, bitCount: number): void {
    for (let i = 0; i < bitCount; i++) this.bit((source[i >> 3]! >> (7 - (i & 7))) & 1);
  }

  bit(value: number): void {
    this.bits.push(value);
  }

  ue(value: number): void {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    for (let i = 0; i < length; i++) this.bit(0);
    for (let i = length; i >= 0; i--) this.bit(Math.floor(code / 2 ** i) % 2);
  }

  /** The bits so far, the last byte padded with zeros. */
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((bit, i) => {
      out[i >> 3]! |= bit << (7 - (i & 7));
    });
    return out;
  }
}
