import { BitReader, skipVuiPrefix, unescapeRbsp } from './bit-reader.js';
import { MediaParseError } from './errors.js';
import { frameRateFromTicks } from './frame-rate.js';
import type { VideoConfig } from './packet.js';
import { readLengthPrefixedUnits } from './parameter-sets.js';

/** High-profile family: these SPSs carry chroma format, bit depth and scaling lists (H.264 7.3.2.1.1). */
const PROFILES_WITH_CHROMA_INFO = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export interface AvcSps {
  readonly profileIdc: number;
  readonly constraintFlags: number;
  readonly levelIdc: number;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number | undefined;
}

/** SPS and PPS NAL units of an avcC record, as views into it. */
export function avcParameterSets(record: Buffer): { sps: Buffer[]; pps: Buffer[] } {
  if (record.length < 6) throw new MediaParseError('avcC too short');
  if (record[0] !== 1) throw new MediaParseError(`avcC version ${record[0]} unsupported`);
  const sps = readLengthPrefixedUnits(record, 6, record[5]! & 0x1f);
  if (sps.next >= record.length) throw new MediaParseError('avcC has no PPS count');
  const pps = readLengthPrefixedUnits(record, sps.next + 1, record[sps.next]!);
  return { sps: sps.units, pps: pps.units };
}

/** Size of the NAL unit length prefix used by the frames that follow this avcC. */
export function avcNalLengthSize(record: Buffer): number {
  if (record.length < 5) throw new MediaParseError('avcC too short');
  return (record[4]! & 3) + 1;
}

export function parseAvcDecoderConfig(record: Buffer, tag: Buffer): VideoConfig {
  const [firstSps] = avcParameterSets(record).sps;
  if (firstSps === undefined) throw new MediaParseError('avcC carries no SPS');
  const sps = parseAvcSps(firstSps);
  return {
    kind: 'video',
    codec: 'avc',
    record,
    tag,
    codecString: `avc1.${Buffer.from([sps.profileIdc, sps.constraintFlags, sps.levelIdc]).toString('hex')}`,
    width: sps.width,
    height: sps.height,
    profile: sps.profileIdc,
    level: sps.levelIdc,
    frameRate: sps.frameRate,
  };
}

/** Parses an H.264 sequence parameter set NAL unit (with its 1-byte NAL header). */
export function parseAvcSps(nal: Buffer): AvcSps {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) throw new MediaParseError('not an H.264 SPS');
  const bits = new BitReader(unescapeRbsp(nal), 1);
  const { maxNumRefFrames: _refs, ...sps } = readAvcSpsUpToVui(bits);
  const frameRate = bits.readFlag() ? readVuiFrameRate(bits) : undefined;
  return { ...sps, frameRate };
}

/**
 * Reads an SPS's RBSP from profile_idc up to, not including, vui_parameters_present_flag (H.264
 * 7.3.2.1.1), where it leaves `bits`.
 */
export function readAvcSpsUpToVui(bits: BitReader): Omit<AvcSps, 'frameRate'> & { maxNumRefFrames: number } {
  const profileIdc = bits.readBits(8);
  const constraintFlags = bits.readBits(8);
  const levelIdc = bits.readBits(8);
  bits.readUe(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  if (PROFILES_WITH_CHROMA_INFO.has(profileIdc)) {
    chromaFormatIdc = bits.readUe();
    if (chromaFormatIdc > 3) throw new MediaParseError(`bad chroma_format_idc ${chromaFormatIdc}`);
    if (chromaFormatIdc === 3) separateColourPlane = bits.readFlag();
    bits.readUe(); // bit_depth_luma_minus8
    bits.readUe(); // bit_depth_chroma_minus8
    bits.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (bits.readFlag()) skipScalingMatrix(bits, chromaFormatIdc === 3 ? 12 : 8);
  }
  bits.readUe(); // log2_max_frame_num_minus4
  skipPictureOrderCount(bits);
  const maxNumRefFrames = bits.readUe();
  bits.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthInMbs = bits.readUe() + 1;
  const heightInMapUnits = bits.readUe() + 1;
  const frameMbsOnly = bits.readBit();
  if (!frameMbsOnly) bits.skipBits(1); // mb_adaptive_frame_field_flag
  bits.skipBits(1); // direct_8x8_inference_flag
  let width = widthInMbs * 16;
  let height = (2 - frameMbsOnly) * heightInMapUnits * 16;
  if (bits.readFlag()) {
    // Crop offsets count in chroma sample units (H.264 equations 7-19..7-22).
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const cropUnitX = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
    const cropUnitY = (chromaArrayType === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const left = bits.readUe();
    const right = bits.readUe();
    const top = bits.readUe();
    const bottom = bits.readUe();
    width -= cropUnitX * (left + right);
    height -= cropUnitY * (top + bottom);
  }
  if (width <= 0 || height <= 0) throw new MediaParseError('SPS crops the picture to nothing');
  return { profileIdc, constraintFlags, levelIdc, width, height, maxNumRefFrames };
}

function skipScalingMatrix(bits: BitReader, listCount: number): void {
  for (let i = 0; i < listCount; i++) {
    if (!bits.readFlag()) continue;
    const size = i < 6 ? 16 : 64;
    let lastScale = 8;
    let nextScale = 8;
    for (let j = 0; j < size && nextScale !== 0; j++) {
      nextScale = (lastScale + bits.readSe() + 256) % 256;
      if (nextScale !== 0) lastScale = nextScale;
    }
  }
}

function skipPictureOrderCount(bits: BitReader): void {
  const type = bits.readUe();
  if (type === 0) {
    bits.readUe(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (type === 1) {
    bits.skipBits(1); // delta_pic_order_always_zero_flag
    bits.readSe(); // offset_for_non_ref_pic
    bits.readSe(); // offset_for_top_to_bottom_field
    const cycle = bits.readUe();
    if (cycle > 255) throw new MediaParseError('num_ref_frames_in_pic_order_cnt_cycle out of range');
    for (let i = 0; i < cycle; i++) bits.readSe();
  } else if (type !== 2) {
    throw new MediaParseError(`bad pic_order_cnt_type ${type}`);
  }
}

/**
 * Frame rate from the VUI timing info. The VUI is optional decoration: a truncated one (some
 * encoders cut it short) must not reject an otherwise usable SPS, so errors here mean "unknown".
 */
function readVuiFrameRate(bits: BitReader): number | undefined {
  try {
    skipVuiPrefix(bits);
    if (!bits.readFlag()) return undefined;
    const numUnitsInTick = bits.readBits(32);
    const timeScale = bits.readBits(32);
    // H.264 counts field ticks: one frame lasts two ticks.
    return frameRateFromTicks(timeScale, numUnitsInTick * 2);
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}
