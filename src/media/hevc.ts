import { BitReader, skipVuiPrefix, unescapeRbsp } from './bit-reader.js';
import { MediaParseError } from './errors.js';
import { frameRateFromTicks } from './frame-rate.js';
import type { VideoConfig } from './packet.js';
import { readLengthPrefixedUnits } from './parameter-sets.js';

const NAL_VPS = 32;
const NAL_SPS = 33;
const NAL_PPS = 34;
/** Fixed part of HEVCDecoderConfigurationRecord before the NAL unit arrays (ISO/IEC 14496-15 8.3.3.1). */
const HVCC_HEADER_SIZE = 23;

export interface HevcParameterSets {
  readonly vps: Buffer[];
  readonly sps: Buffer[];
  readonly pps: Buffer[];
}

/** VPS, SPS and PPS NAL units of an hvcC record, as views into it; other arrays (SEI) are skipped. */
export function hevcParameterSets(record: Buffer): HevcParameterSets {
  if (record.length < HVCC_HEADER_SIZE) throw new MediaParseError('hvcC too short');
  if (record[0] !== 1) throw new MediaParseError(`hvcC version ${record[0]} unsupported`);
  const sets: HevcParameterSets = { vps: [], sps: [], pps: [] };
  let position = HVCC_HEADER_SIZE;
  for (let array = record[22]!; array > 0; array--) {
    if (position + 3 > record.length) throw new MediaParseError('hvcC array header truncated');
    const nalType = record[position]! & 0x3f;
    const { units, next } = readLengthPrefixedUnits(record, position + 3, record.readUInt16BE(position + 1));
    position = next;
    if (nalType === NAL_VPS) sets.vps.push(...units);
    else if (nalType === NAL_SPS) sets.sps.push(...units);
    else if (nalType === NAL_PPS) sets.pps.push(...units);
  }
  return sets;
}

/** Size of the NAL unit length prefix used by the frames that follow this hvcC. */
export function hevcNalLengthSize(record: Buffer): number {
  if (record.length < HVCC_HEADER_SIZE) throw new MediaParseError('hvcC too short');
  return (record[21]! & 3) + 1;
}

export function parseHevcDecoderConfig(record: Buffer, tag: Buffer): VideoConfig {
  const sets = hevcParameterSets(record);
  const [firstSps] = sets.sps;
  if (firstSps === undefined) throw new MediaParseError('hvcC carries no SPS');
  const sps = parseHevcSps(firstSps);
  // hvcC avgFrameRate (frames per 256 s) is usually 0; the SPS VUI, then the VPS, may know better.
  const averageFrameRate = record.readUInt16BE(19);
  const [firstVps] = sets.vps;
  const frameRate =
    sps.frameRate ??
    (averageFrameRate > 0 ? frameRateFromTicks(averageFrameRate, 256) : undefined) ??
    (firstVps === undefined ? undefined : readVpsFrameRate(firstVps));
  return {
    kind: 'video',
    codec: 'hevc',
    record,
    tag,
    codecString: hevcCodecString(record),
    width: sps.width,
    height: sps.height,
    profile: record[1]! & 0x1f,
    level: record[12]!,
    frameRate,
  };
}

/**
 * `hvc1.<space><profile>.<compat>.<tier><level>.<constraints>` per ISO/IEC 14496-15 Annex E:
 * compatibility flags bit-reversed in hex, constraint bytes in hex with trailing zero bytes omitted.
 */
export function hevcCodecString(record: Buffer): string {
  if (record.length < HVCC_HEADER_SIZE) throw new MediaParseError('hvcC too short');
  const profileByte = record[1]!;
  const space = ['', 'A', 'B', 'C'][profileByte >> 6]!;
  const tier = profileByte & 0x20 ? 'H' : 'L';
  const compatibility = reverseBits32(record.readUInt32BE(2)).toString(16).toUpperCase();
  const constraints = [...record.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const parts = [`hvc1`, `${space}${profileByte & 0x1f}`, compatibility, `${tier}${record[12]}`];
  for (const byte of constraints) parts.push(byte.toString(16).toUpperCase());
  return parts.join('.');
}

function reverseBits32(value: number): number {
  let reversed = 0;
  for (let i = 0; i < 32; i++) reversed = reversed * 2 + ((value >>> i) & 1);
  return reversed;
}

/** profile_tier_level() of H.265 7.3.3 with profilePresentFlag = 1. */
function skipProfileTierLevel(bits: BitReader, maxSubLayersMinus1: number): void {
  bits.skipBits(96); // general profile (88 bits) + general_level_idc
  const subLayerProfile: boolean[] = [];
  const subLayerLevel: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    subLayerProfile.push(bits.readFlag());
    subLayerLevel.push(bits.readFlag());
  }
  if (maxSubLayersMinus1 > 0) bits.skipBits(2 * (8 - maxSubLayersMinus1));
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (subLayerProfile[i]) bits.skipBits(88);
    if (subLayerLevel[i]) bits.skipBits(8);
  }
}

export interface HevcSps {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number | undefined;
  readonly chromaFormatIdc: number;
  /** Undefined when the SPS ends before them. */
  readonly bitDepthLuma: number | undefined;
  readonly bitDepthChroma: number | undefined;
}

/** Parses an H.265 SPS NAL unit (with its 2-byte NAL header): size with the conformance window applied, VUI frame rate. */
export function parseHevcSps(nal: Buffer): HevcSps {
  if (nal.length < 3 || ((nal[0]! >> 1) & 0x3f) !== NAL_SPS) throw new MediaParseError('not an H.265 SPS');
  const bits = new BitReader(unescapeRbsp(nal), 2);
  bits.skipBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = bits.readBits(3);
  bits.skipBits(1); // sps_temporal_id_nesting_flag
  skipProfileTierLevel(bits, maxSubLayersMinus1);
  bits.readUe(); // sps_seq_parameter_set_id
  const chromaFormatIdc = bits.readUe();
  if (chromaFormatIdc > 3) throw new MediaParseError(`bad chroma_format_idc ${chromaFormatIdc}`);
  const separateColourPlane = chromaFormatIdc === 3 && bits.readFlag();
  let width = bits.readUe();
  let height = bits.readUe();
  if (bits.readFlag()) {
    // Conformance window offsets count in chroma sample units (H.265 Table 6-1).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const unitX = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const unitY = chromaArrayType === 1 ? 2 : 1;
    width -= unitX * (bits.readUe() + bits.readUe());
    height -= unitY * (bits.readUe() + bits.readUe());
  }
  if (width <= 0 || height <= 0) throw new MediaParseError('SPS crops the picture to nothing');
  const depths = readBitDepths(bits);
  return {
    width,
    height,
    frameRate: depths === undefined ? undefined : readSpsFrameRate(bits, maxSubLayersMinus1),
    chromaFormatIdc,
    bitDepthLuma: depths?.luma,
    bitDepthChroma: depths?.chroma,
  };
}

/** bit_depth_luma_minus8 and bit_depth_chroma_minus8, past which the rest of the SPS is optional to us. */
function readBitDepths(bits: BitReader): { luma: number; chroma: number } | undefined {
  try {
    return { luma: bits.readUe() + 8, chroma: bits.readUe() + 8 };
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}

/**
 * Walks the rest of the SPS (H.265 7.3.2.2), from after the bit depths, to the VUI timing info. The VUI is optional: a
 * truncated or exotic tail must not reject an otherwise usable SPS, so errors here mean "unknown".
 */
function readSpsFrameRate(bits: BitReader, maxSubLayersMinus1: number): number | undefined {
  try {
    const pocLsbBits = bits.readUe() + 4;
    const orderingInfoForAll = bits.readFlag();
    for (let i = orderingInfoForAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
      bits.readUe(); // sps_max_dec_pic_buffering_minus1
      bits.readUe(); // sps_max_num_reorder_pics
      bits.readUe(); // sps_max_latency_increase_plus1
    }
    for (let i = 0; i < 6; i++) bits.readUe(); // coding/transform block sizes, hierarchy depths
    if (bits.readFlag() && bits.readFlag()) skipScalingListData(bits);
    bits.skipBits(2); // amp_enabled_flag, sample_adaptive_offset_enabled_flag
    if (bits.readFlag()) {
      bits.skipBits(8); // pcm sample bit depths
      bits.readUe();
      bits.readUe();
      bits.skipBits(1);
    }
    skipShortTermRefPicSets(bits);
    if (bits.readFlag()) {
      const longTermPics = bits.readUe();
      if (longTermPics > 32) return undefined;
      bits.skipBits(longTermPics * (pocLsbBits + 1));
    }
    bits.skipBits(2); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
    if (!bits.readFlag()) return undefined;
    skipVuiPrefix(bits);
    bits.skipBits(3); // neutral_chroma_indication, field_seq, frame_field_info_present
    if (bits.readFlag()) for (let i = 0; i < 4; i++) bits.readUe(); // default display window
    if (!bits.readFlag()) return undefined;
    const numUnitsInTick = bits.readBits(32);
    return frameRateFromTicks(bits.readBits(32), numUnitsInTick);
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}

/** scaling_list_data() of H.265 7.3.4. */
function skipScalingListData(bits: BitReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if (!bits.readFlag()) {
        bits.readUe(); // scaling_list_pred_matrix_id_delta
        continue;
      }
      const coefficients = Math.min(64, 1 << (4 + (sizeId << 1)));
      if (sizeId > 1) bits.readSe(); // scaling_list_dc_coef_minus8
      for (let i = 0; i < coefficients; i++) bits.readSe();
    }
  }
}

/** Delta POCs of one short-term reference picture set: S0 (negative) and S1 (positive), in spec order. */
interface RefPicSet {
  readonly negative: number[];
  readonly positive: number[];
}

/**
 * st_ref_pic_set() for every set in the SPS (H.265 7.3.7, 7.4.8). Sets predicted from the previous
 * one have a length that depends on that set's delta POCs, so they are derived, not just skipped.
 */
function skipShortTermRefPicSets(bits: BitReader): void {
  const count = bits.readUe();
  if (count > 64) throw new MediaParseError('num_short_term_ref_pic_sets out of range');
  let previous: RefPicSet | undefined;
  for (let index = 0; index < count; index++) {
    previous =
      previous !== undefined && bits.readFlag()
        ? predictRefPicSet(bits, previous)
        : readExplicitRefPicSet(bits);
  }
}

function readExplicitRefPicSet(bits: BitReader): RefPicSet {
  const negativeCount = bits.readUe();
  const positiveCount = bits.readUe();
  if (negativeCount > 16 || positiveCount > 16) throw new MediaParseError('too many reference pictures');
  const negative: number[] = [];
  const positive: number[] = [];
  let poc = 0;
  for (let i = 0; i < negativeCount; i++) {
    poc -= bits.readUe() + 1;
    bits.skipBits(1); // used_by_curr_pic_s0_flag
    negative.push(poc);
  }
  poc = 0;
  for (let i = 0; i < positiveCount; i++) {
    poc += bits.readUe() + 1;
    bits.skipBits(1); // used_by_curr_pic_s1_flag
    positive.push(poc);
  }
  return { negative, positive };
}

/** Inter RPS prediction from the previous set, equations 7-61 and 7-62. */
function predictRefPicSet(bits: BitReader, reference: RefPicSet): RefPicSet {
  const sign = bits.readBit();
  const deltaRps = (1 - 2 * sign) * (bits.readUe() + 1);
  const referenceCount = reference.negative.length + reference.positive.length;
  // use_delta_flag per reference delta POC, the last one standing for deltaRps itself.
  const useDelta: boolean[] = [];
  for (let j = 0; j <= referenceCount; j++) {
    const used = bits.readFlag();
    useDelta.push(used || bits.readFlag());
  }
  const ownDelta = useDelta[referenceCount]!;
  const negativeOffset = reference.negative.length;
  const negative: number[] = [];
  const positive: number[] = [];
  for (let j = reference.positive.length - 1; j >= 0; j--) {
    const poc = reference.positive[j]! + deltaRps;
    if (poc < 0 && useDelta[negativeOffset + j]) negative.push(poc);
  }
  if (deltaRps < 0 && ownDelta) negative.push(deltaRps);
  for (let j = 0; j < reference.negative.length; j++) {
    const poc = reference.negative[j]! + deltaRps;
    if (poc < 0 && useDelta[j]) negative.push(poc);
  }
  for (let j = reference.negative.length - 1; j >= 0; j--) {
    const poc = reference.negative[j]! + deltaRps;
    if (poc > 0 && useDelta[j]) positive.push(poc);
  }
  if (deltaRps > 0 && ownDelta) positive.push(deltaRps);
  for (let j = 0; j < reference.positive.length; j++) {
    const poc = reference.positive[j]! + deltaRps;
    if (poc > 0 && useDelta[negativeOffset + j]) positive.push(poc);
  }
  return { negative, positive };
}

/** Frame rate from the VPS timing info (H.265 7.3.2.1); optional, so errors mean "unknown". */
function readVpsFrameRate(nal: Buffer): number | undefined {
  try {
    const bits = new BitReader(unescapeRbsp(nal), 2);
    bits.skipBits(12); // vps_video_parameter_set_id, base layer flags, vps_max_layers_minus1
    const maxSubLayersMinus1 = bits.readBits(3);
    bits.skipBits(17); // vps_temporal_id_nesting_flag, vps_reserved_0xffff_16bits
    skipProfileTierLevel(bits, maxSubLayersMinus1);
    const orderingInfoForAll = bits.readFlag();
    for (let i = orderingInfoForAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
      bits.readUe(); // vps_max_dec_pic_buffering_minus1
      bits.readUe(); // vps_max_num_reorder_pics
      bits.readUe(); // vps_max_latency_increase_plus1
    }
    const maxLayerId = bits.readBits(6);
    const layerSets = bits.readUe();
    if (layerSets > 1023) return undefined;
    bits.skipBits(layerSets * (maxLayerId + 1)); // layer_id_included_flag[1..][0..maxLayerId]
    if (!bits.readFlag()) return undefined;
    const numUnitsInTick = bits.readBits(32);
    return frameRateFromTicks(bits.readBits(32), numUnitsInTick);
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}
