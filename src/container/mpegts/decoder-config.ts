/**
 * Decoder configuration records made from the parameter sets an Annex B stream carries in band, so a
 * video read out of MPEG-TS gets the same `VideoConfig` (and MP4 sample entry) an RTMP sequence header
 * gives: AVCDecoderConfigurationRecord (ISO 14496-15 §5.3.3.1).
 */
import { parseAvcDecoderConfig } from '../../media/avc.js';
import { MediaParseError } from '../../media/errors.js';
import type { VideoConfig } from '../../media/packet.js';
import { SAMPLE_LENGTH_SIZE } from './annexb-sample.js';

const NAL_SPS = 7;
const NAL_PPS = 8;
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

function lengthPrefixed(unit: Buffer): Buffer[] {
  if (unit.length > 0xffff) throw new MediaParseError(`parameter set of ${unit.length} bytes`);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(unit.length);
  return [length, unit];
}
