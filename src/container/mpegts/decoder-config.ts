/**
 * Decoder configuration records made from the parameter sets an Annex B stream carries in band, so a
 * video read out of MPEG-TS gets the same `VideoConfig` (and MP4 sample entry) an RTMP sequence header
 * gives: AVCDecoderConfigurationRecord (ISO 14496-15 §5.3.3.1).
 */
import { parseAvcDecoderConfig } from '../../media/avc.js';
import { unescapeRbsp } from '../../media/bit-reader.js';
import { MediaParseError } from '../../media/errors.js';
import { parseHevcDecoderConfig, parseHevcSps } from '../../media/hevc.js';
import type { VideoConfig } from '../../media/packet.js';
import { SAMPLE_LENGTH_SIZE } from './annexb-sample.js';

const NAL_SPS = 7;
const NAL_PPS = 8;
const HEVC_VPS = 32;
const HEVC_SPS = 33;
const HEVC_PPS = 34;
/** NAL header (2), then vps id / max sub-layers / nesting (1), then the general profile_tier_level (12). */
const HEVC_SPS_PTL_START = 3;
const HEVC_PTL_BYTES = 12;
const EMPTY = Buffer.alloc(0);

/**
 * The config of an H.264 stream from its SPS and PPS NAL units (others are ignored); samples use
 * 4-byte NAL lengths.
 * @throws MediaParseError when there is no SPS or PPS, or the SPS cannot be read.
 */
export function avcConfigFromParameterSets(units: readonly Buffer[]): VideoConfig {
  const sps = units.filter((u) => (u[0]! & 0x1f) === NAL_SPS);
  const pps = units.filter((u) => (u[0]! & 0x1f) === NAL_PPS);
  const first = sps[0];
  if (first === undefined || pps.length === 0) throw new MediaParseError('H.264 stream without SPS and PPS');
  if (first.length < 4) throw new MediaParseError('H.264 SPS too short');
  if (sps.length > 31 || pps.length > 255) throw new MediaParseError('too many H.264 parameter sets');
  const record = Buffer.concat([
    Buffer.of(1, first[1]!, first[2]!, first[3]!, 0xfc | (SAMPLE_LENGTH_SIZE - 1), 0xe0 | sps.length),
    ...sps.flatMap(lengthPrefixed),
    Buffer.of(pps.length),
    ...pps.flatMap(lengthPrefixed),
  ]);
  return parseAvcDecoderConfig(record, EMPTY);
}

/**
 * The config of an HEVC stream from its VPS, SPS and PPS NAL units: the record's profile, tier, level
 * and constraint bytes are the SPS's general profile_tier_level (H.265 §7.3.3), byte for byte.
 * @throws MediaParseError when a parameter set is missing or the SPS cannot be read.
 */
export function hevcConfigFromParameterSets(units: readonly Buffer[]): VideoConfig {
  const byType = (type: number) => units.filter((u) => u.length >= 2 && ((u[0]! >> 1) & 0x3f) === type);
  const arrays = [HEVC_VPS, HEVC_SPS, HEVC_PPS].map((type) => ({ type, units: byType(type) }));
  const sps = arrays[1]!.units[0];
  if (sps === undefined || arrays.some((a) => a.units.length === 0))
    throw new MediaParseError('HEVC stream without VPS, SPS and PPS');
  const rbsp = unescapeRbsp(sps);
  if (rbsp.length < HEVC_SPS_PTL_START + HEVC_PTL_BYTES) throw new MediaParseError('HEVC SPS too short');
  const format = parseHevcSps(sps);
  const subLayers = ((rbsp[2]! >> 1) & 0x07) + 1;
  const nested = rbsp[2]! & 0x01;
  const header = Buffer.alloc(23);
  header[0] = 1;
  rbsp.copy(header, 1, HEVC_SPS_PTL_START, HEVC_SPS_PTL_START + HEVC_PTL_BYTES);
  header.writeUInt16BE(0xf000, 13); // min_spatial_segmentation_idc 0
  header[15] = 0xfc; // parallelismType 0: unknown
  header[16] = 0xfc | format.chromaFormatIdc;
  header[17] = 0xf8 | (((format.bitDepthLuma ?? 8) - 8) & 0x07);
  header[18] = 0xf8 | (((format.bitDepthChroma ?? 8) - 8) & 0x07);
  header.writeUInt16BE(0, 19); // avgFrameRate: unspecified
  header[21] = (subLayers << 3) | (nested << 2) | (SAMPLE_LENGTH_SIZE - 1);
  header[22] = arrays.length;
  const record = Buffer.concat([
    header,
    ...arrays.flatMap(({ type, units: list }) => {
      const arrayHeader = Buffer.alloc(3);
      arrayHeader[0] = 0x80 | type; // array_completeness: every set of the type is here
      arrayHeader.writeUInt16BE(list.length, 1);
      return [arrayHeader, ...list.flatMap(lengthPrefixed)];
    }),
  ]);
  return parseHevcDecoderConfig(record, EMPTY);
}

function lengthPrefixed(unit: Buffer): Buffer[] {
  if (unit.length > 0xffff) throw new MediaParseError(`parameter set of ${unit.length} bytes`);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(unit.length);
  return [length, unit];
}
