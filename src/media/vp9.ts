import { MediaParseError } from './errors.js';
import type { VideoConfig } from './packet.js';

/** vpcC box body: FullBox version/flags (4 bytes) then the 8-byte VPCodecConfigurationRecord head. */
const VPCC_MIN_SIZE = 12;

/**
 * Parses the Enhanced-RTMP VP9 sequence start (the `vpcC` box body). The record has no picture
 * size: width/height are 0 here and are learned from stream metadata downstream.
 */
export function parseVp9DecoderConfig(record: Buffer, tag: Buffer): VideoConfig {
  if (record.length < VPCC_MIN_SIZE) throw new MediaParseError('vpcC too short');
  if (record[0] !== 1) throw new MediaParseError(`vpcC version ${record[0]} unsupported`);
  const profile = record[4]!;
  const level = record[5]!;
  const bitDepth = record[6]! >> 4;
  const twoDigits = (value: number) => String(value).padStart(2, '0');
  return {
    kind: 'video',
    codec: 'vp9',
    record,
    tag,
    codecString: `vp09.${twoDigits(profile)}.${twoDigits(level)}.${twoDigits(bitDepth)}`,
    width: 0,
    height: 0,
    profile,
    level,
    frameRate: undefined,
  };
}
