import { BitReader } from './bit-reader.js';
import { MediaParseError } from './errors.js';
import type { AudioConfig } from './packet.js';

/** ISO/IEC 14496-3 Table 1.18: samplingFrequencyIndex → Hz (13 and 14 reserved, 15 = explicit). */
const SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];
/** channelConfiguration → channel count (0 = described by a program_config_element, unknown here). */
const CHANNEL_COUNTS = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8];
const AOT_LC = 2;
const AOT_SBR = 5;
const AOT_PS = 29;
/** Audio object types whose GASpecificConfig layout we know well enough to reach a sync extension. */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7]);
const SBR_SYNC_EXTENSION = 0x2b7;
const PS_SYNC_EXTENSION = 0x548;

/**
 * Parses an AudioSpecificConfig. For HE-AAC (SBR, and PS on top) the reported sample rate is the
 * core AAC rate, the one that 1024-sample access units run at, in whichever way SBR is signalled:
 * explicitly (object type 5/29 first), backward-compatibly (sync extension after the LC config) or
 * implicitly (nothing in the ASC at all).
 */
export function parseAudioSpecificConfig(asc: Buffer, tag: Buffer): AudioConfig {
  const bits = new BitReader(asc);
  let objectType = readObjectType(bits);
  const sampleRate = readSampleRate(bits);
  const channelConfiguration = bits.readBits(4);
  let reportedType = objectType;
  if (objectType === AOT_SBR || objectType === AOT_PS) {
    readSampleRate(bits); // extensionSamplingFrequency: the SBR output rate
    objectType = readObjectType(bits);
  } else if (GA_OBJECT_TYPES.has(objectType) && channelConfiguration !== 0) {
    reportedType = readSyncExtension(bits, objectType) ?? objectType;
  }
  const psPresent = reportedType === AOT_PS;
  const channels = psPresent && channelConfiguration === 1 ? 2 : (CHANNEL_COUNTS[channelConfiguration] ?? 0);
  return {
    kind: 'audio',
    codec: 'aac',
    record: asc,
    tag,
    codecString: `mp4a.40.${reportedType}`,
    sampleRate,
    channels,
    objectType: reportedType,
  };
}

function readObjectType(bits: BitReader): number {
  const objectType = bits.readBits(5);
  return objectType === 31 ? 32 + bits.readBits(6) : objectType;
}

function readSampleRate(bits: BitReader): number {
  const index = bits.readBits(4);
  if (index === 15) {
    const explicit = bits.readBits(24);
    if (explicit === 0) throw new MediaParseError('AAC sample rate 0');
    return explicit;
  }
  const rate = SAMPLE_RATES[index];
  if (rate === undefined) throw new MediaParseError(`reserved AAC sampling frequency index ${index}`);
  return rate;
}

/**
 * Backward-compatible SBR/PS signalling after GASpecificConfig; returns 5/29 when present. Everything
 * needed is known by now, so a config that ends early or oddly here is taken as plain AAC.
 */
function readSyncExtension(bits: BitReader, objectType: number): number | undefined {
  try {
    // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder (+ coreCoderDelay), extensionFlag.
    bits.skipBits(1);
    if (bits.readFlag()) bits.skipBits(14);
    const extensionFlag = bits.readFlag();
    if (extensionFlag && objectType !== AOT_LC) return undefined; // layouts we do not need to walk
    if (bits.bitsLeft < 16 || bits.readBits(11) !== SBR_SYNC_EXTENSION) return undefined;
    if (readObjectType(bits) !== AOT_SBR || !bits.readFlag()) return undefined;
    readSampleRate(bits);
    if (bits.bitsLeft >= 12 && bits.readBits(11) === PS_SYNC_EXTENSION && bits.readFlag()) return AOT_PS;
    return AOT_SBR;
  } catch (error) {
    if (error instanceof MediaParseError) return undefined;
    throw error;
  }
}

/** One ADTS frame as its header describes it. */
export interface AdtsFrame {
  /** Bytes of the whole frame, header included. */
  readonly length: number;
  /** Hz; 0 for a reserved sampling-frequency index. */
  readonly sampleRate: number;
}

/**
 * Reads the ADTS header at the start of `buf` (the reader of what `adtsHeader` writes): undefined when
 * the bytes there are not an ADTS header, or `buf` is shorter than a header.
 */
export function readAdtsHeader(buf: Buffer): AdtsFrame | undefined {
  if (buf.length < 7 || buf[0] !== 0xff || (buf[1]! & 0xf0) !== 0xf0) return undefined;
  const length = ((buf[3]! & 0x03) << 11) | (buf[4]! << 3) | (buf[5]! >> 5);
  if (length < 7) return undefined;
  return { length, sampleRate: SAMPLE_RATES[(buf[2]! >> 2) & 0x0f] ?? 0 };
}

/**
 * 7-byte ADTS header (no CRC) for one raw AAC access unit of `frameLength` bytes, as MPEG-TS
 * carries AAC. HE-AAC goes out as LC at the core rate: ADTS can only signal SBR implicitly.
 */
export function adtsHeader(config: AudioConfig, frameLength: number): Buffer {
  const profile = config.objectType >= 1 && config.objectType <= 4 ? config.objectType - 1 : AOT_LC - 1;
  const rateIndex = SAMPLE_RATES.indexOf(config.sampleRate);
  if (rateIndex < 0) throw new MediaParseError(`ADTS cannot carry sample rate ${config.sampleRate}`);
  const channelConfiguration = config.channels === 8 ? 7 : config.channels <= 6 ? config.channels : 0;
  const adtsLength = frameLength + 7;
  if (adtsLength > 0x1fff) throw new MediaParseError(`AAC frame of ${frameLength} bytes too long for ADTS`);
  const header = Buffer.allocUnsafe(7);
  header[0] = 0xff;
  header[1] = 0xf1; // MPEG-4, layer 0, no CRC
  header[2] = (profile << 6) | (rateIndex << 2) | (channelConfiguration >> 2);
  header[3] = ((channelConfiguration & 3) << 6) | (adtsLength >> 11);
  header[4] = (adtsLength >> 3) & 0xff;
  header[5] = ((adtsLength & 7) << 5) | 0x1f; // buffer fullness 0x7FF = variable bit rate
  header[6] = 0xfc;
  return header;
}
