/**
 * The reverse of AdtsAudioStream: a PES of AAC in ADTS (ISO 14496-3 §1.A.2) split into raw access
 * units, the form an MP4 sample holds, with the AudioSpecificConfig (§1.6.2.1) the headers imply.
 */
import { readAdtsHeader } from '../../media/aac.js';

export interface AdtsFrames {
  /** Raw AAC access units, views into the PES. */
  readonly frames: readonly Buffer[];
  /** The 2-byte AudioSpecificConfig of the first frame; undefined when there is no whole frame. */
  readonly audioSpecificConfig: Buffer | undefined;
}

const HEADER = 7;
const CRC = 2;

/** Whole ADTS frames from the start of `data`; the scan stops at anything that is not one. */
export function adtsFrames(data: Buffer): AdtsFrames {
  const frames: Buffer[] = [];
  let audioSpecificConfig: Buffer | undefined;
  let at = 0;
  while (at < data.length) {
    const view = data.subarray(at);
    const header = readAdtsHeader(view);
    if (header === undefined || header.length > view.length) break;
    const headerLength = HEADER + ((view[1]! & 0x01) === 0 ? CRC : 0);
    if (header.length > headerLength) frames.push(view.subarray(headerLength, header.length));
    audioSpecificConfig ??= audioSpecificConfigOf(view);
    at += header.length;
  }
  return { frames, audioSpecificConfig };
}

/** audioObjectType = profile + 1, samplingFrequencyIndex, channelConfiguration; GASpecificConfig all 0. */
function audioSpecificConfigOf(header: Buffer): Buffer {
  const objectType = (header[2]! >> 6) + 1;
  const rateIndex = (header[2]! >> 2) & 0x0f;
  const channels = ((header[2]! & 0x01) << 2) | (header[3]! >> 6);
  const asc = Buffer.alloc(2);
  asc.writeUInt16BE((objectType << 11) | (rateIndex << 7) | (channels << 3));
  return asc;
}
