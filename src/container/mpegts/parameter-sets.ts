/**
 * What the Annex B conversion needs from an AVC/HEVC decoder configuration record: the NAL length
 * field size and the parameter sets, pre-joined behind start codes so inserting them before a
 * keyframe is a single copy.
 */
import { avcNalLengthSize, avcParameterSets } from '../../media/avc.js';
import { hevcNalLengthSize, hevcParameterSets } from '../../media/hevc.js';

export const START_CODE = Buffer.from([0, 0, 0, 1]);

export interface AnnexBSetup {
  /** Bytes of the big-endian length before each NAL unit in a sample (1, 2 or 4). */
  readonly lengthSize: number;
  /** The record's parameter sets, each preceded by a 4-byte start code. */
  readonly parameterSets: Buffer;
}

/** @throws MediaParseError for a malformed avcC. */
export function avcSetup(record: Buffer): AnnexBSetup {
  const { sps, pps } = avcParameterSets(record);
  return { lengthSize: avcNalLengthSize(record), parameterSets: joinWithStartCodes([...sps, ...pps]) };
}

/** @throws MediaParseError for a malformed hvcC. */
export function hevcSetup(record: Buffer): AnnexBSetup {
  const { vps, sps, pps } = hevcParameterSets(record);
  return {
    lengthSize: hevcNalLengthSize(record),
    parameterSets: joinWithStartCodes([...vps, ...sps, ...pps]),
  };
}

function joinWithStartCodes(units: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const unit of units) if (unit.length > 0) parts.push(START_CODE, unit);
  return Buffer.concat(parts);
}
