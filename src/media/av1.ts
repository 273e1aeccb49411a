import { BitReader } from './bit-reader.js';
import { MediaParseError } from './errors.js';
import { frameRateFromTicks } from './frame-rate.js';
import type { VideoConfig } from './packet.js';

const OBU_SEQUENCE_HEADER = 1;
/** av1C is 4 fixed bytes followed by configOBUs (AV1 Codec ISOBMFF binding 2.3). */
const AV1C_HEADER_SIZE = 4;

interface SequenceHeaderInfo {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number | undefined;
}

export function parseAv1DecoderConfig(record: Buffer, tag: Buffer): VideoConfig {
  if (record.length < AV1C_HEADER_SIZE) throw new MediaParseError('av1C too short');
  if (record[0] !== 0x81) throw new MediaParseError('av1C marker/version is not 1');
  const profile = record[1]! >> 5;
  const level = record[1]! & 0x1f;
  const flags = record[2]!;
  const tier = flags & 0x80 ? 'H' : 'M';
  const highBitDepth = (flags & 0x40) !== 0;
  const twelveBit = (flags & 0x20) !== 0;
  const bitDepth = profile === 2 && highBitDepth ? (twelveBit ? 12 : 10) : highBitDepth ? 10 : 8;
  const sequence = findSequenceHeader(record.subarray(AV1C_HEADER_SIZE));
  return {
    kind: 'video',
    codec: 'av1',
    record,
    tag,
    codecString: `av01.${profile}.${String(level).padStart(2, '0')}${tier}.${String(bitDepth).padStart(2, '0')}`,
    width: sequence?.width ?? 0,
    height: sequence?.height ?? 0,
    profile,
    level,
    frameRate: sequence?.frameRate,
  };
}

/** Walks low-overhead-format OBUs and parses the first sequence header, if any. */
function findSequenceHeader(obus: Buffer): SequenceHeaderInfo | undefined {
  let position = 0;
  while (position < obus.length) {
    const header = obus[position]!;
    const type = (header >> 3) & 0x0f;
    let payloadStart = position + 1 + ((header >> 2) & 1); // optional extension byte
    let payloadEnd = obus.length;
    if (header & 0x02) {
      const size = readLeb128(obus, payloadStart);
      payloadStart = size.next;
      payloadEnd = payloadStart + size.value;
    }
    if (payloadEnd > obus.length || payloadStart > payloadEnd) throw new MediaParseError('OBU truncated');
    if (type === OBU_SEQUENCE_HEADER) return parseSequenceHeader(obus.subarray(payloadStart, payloadEnd));
    position = payloadEnd;
  }
  return undefined;
}

function readLeb128(buffer: Buffer, offset: number): { value: number; next: number } {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = buffer[offset + i];
    if (byte === undefined) throw new MediaParseError('leb128 truncated');
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 };
  }
  throw new MediaParseError('leb128 too long');
}

/** sequence_header_obu() of AV1 5.5.1, as far as the maximum frame size. */
function parseSequenceHeader(payload: Buffer): SequenceHeaderInfo {
  const bits = new BitReader(payload);
  bits.skipBits(4); // seq_profile, still_picture
  const reducedStillPictureHeader = bits.readFlag();
  let frameRate: number | undefined;
  if (reducedStillPictureHeader) {
    bits.skipBits(5); // seq_level_idx[0]
  } else {
    let bufferDelayLength = 0;
    const timingInfoPresent = bits.readFlag();
    let decoderModelInfoPresent = false;
    if (timingInfoPresent) {
      const unitsInDisplayTick = bits.readBits(32);
      const timeScale = bits.readBits(32);
      const ticksPerPicture = bits.readFlag() ? readUvlc(bits) + 1 : 1;
      frameRate = frameRateFromTicks(timeScale, unitsInDisplayTick * ticksPerPicture);
      decoderModelInfoPresent = bits.readFlag();
      if (decoderModelInfoPresent) {
        bufferDelayLength = bits.readBits(5) + 1;
        bits.skipBits(32 + 5 + 5); // num_units_in_decoding_tick, two length fields
      }
    }
    const initialDisplayDelayPresent = bits.readFlag();
    const operatingPoints = bits.readBits(5) + 1;
    for (let i = 0; i < operatingPoints; i++) {
      bits.skipBits(12); // operating_point_idc
      if (bits.readBits(5) > 7) bits.skipBits(1); // seq_level_idx, seq_tier
      if (decoderModelInfoPresent && bits.readFlag()) bits.skipBits(2 * bufferDelayLength + 1);
      if (initialDisplayDelayPresent && bits.readFlag()) bits.skipBits(4);
    }
  }
  const widthBits = bits.readBits(4) + 1;
  const heightBits = bits.readBits(4) + 1;
  const width = bits.readBits(widthBits) + 1;
  const height = bits.readBits(heightBits) + 1;
  return { width, height, frameRate };
}

/** uvlc() of AV1 4.10.3. */
function readUvlc(bits: BitReader): number {
  let leadingZeros = 0;
  while (bits.readBit() === 0) {
    if (++leadingZeros >= 32) return 2 ** 32 - 1;
  }
  return bits.readBits(leadingZeros) + 2 ** leadingZeros - 1;
}
