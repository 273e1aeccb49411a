import { MediaParseError } from './errors.js';

/** Sample rates by version bits (00 = MPEG-2.5, 10 = MPEG-2, 11 = MPEG-1) and rate index. */
const SAMPLE_RATES: Readonly<Record<number, readonly number[]>> = {
  0: [11025, 12000, 8000],
  2: [22050, 24000, 16000],
  3: [44100, 48000, 32000],
};

export interface MpegAudioHeader {
  /** 1 for MPEG-1, 2 for MPEG-2 and MPEG-2.5 (the "LSF" rates, mp4a object type 0x69). */
  readonly mpegVersion: 1 | 2;
  readonly sampleRate: number;
  readonly channels: number;
}

/** Reads the 4-byte MPEG audio frame header at the start of `frame`. */
export function parseMp3FrameHeader(frame: Buffer): MpegAudioHeader {
  if (frame.length < 4) throw new MediaParseError('MP3 frame shorter than its header');
  const header = frame.readUInt32BE(0);
  if (header >>> 21 !== 0x7ff) throw new MediaParseError('MP3 frame sync missing');
  const versionBits = (header >>> 19) & 3;
  const layerBits = (header >>> 17) & 3;
  const rates = SAMPLE_RATES[versionBits];
  if (rates === undefined || layerBits === 0) throw new MediaParseError('reserved MPEG audio version/layer');
  const sampleRate = rates[(header >>> 10) & 3];
  if (sampleRate === undefined) throw new MediaParseError('reserved MPEG audio sample rate');
  const channelMode = (header >>> 6) & 3;
  return { mpegVersion: versionBits === 3 ? 1 : 2, sampleRate, channels: channelMode === 3 ? 1 : 2 };
}

/** RFC 6381 string: MPEG-1 audio is object type 0x6B, MPEG-2 (LSF) audio 0x69. */
export function mp3CodecString(header: MpegAudioHeader): string {
  return header.mpegVersion === 1 ? 'mp4a.6B' : 'mp4a.69';
}
