import { MediaParseError } from './errors.js';

const EMULATION_PREVENTION = Buffer.from([0, 0, 3]);

/**
 * Removes H.264/H.265 emulation-prevention bytes (the 0x03 in 0x000003) so the payload can be read
 * bit by bit. Returns the input itself when there is none, which is the common case for SPS/VPS.
 */
export function unescapeRbsp(nal: Buffer): Buffer {
  let found = nal.indexOf(EMULATION_PREVENTION);
  if (found < 0) return nal;
  const parts: Buffer[] = [];
  let start = 0;
  while (found >= 0) {
    parts.push(nal.subarray(start, found + 2));
    start = found + 3;
    found = nal.indexOf(EMULATION_PREVENTION, start);
  }
  parts.push(nal.subarray(start));
  return Buffer.concat(parts);
}

/** Inserts emulation-prevention bytes, the inverse of unescapeRbsp: a 0x03 after two zeros before a byte ≤ 3. */
export function escapeRbsp(rbsp: Uint8Array): Buffer {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from(out);
}

/**
 * Skips the start of a VUI that H.264 (E.1.1) and H.265 (E.2.1) share: aspect ratio, overscan, video
 * signal type and chroma sample location. The reader is left at the codec's next field.
 */
export function skipVuiPrefix(bits: BitReader): void {
  if (bits.readFlag() && bits.readBits(8) === 255) bits.skipBits(32); // aspect ratio, Extended_SAR
  if (bits.readFlag()) bits.skipBits(1); // overscan
  if (bits.readFlag()) {
    bits.skipBits(4); // video_format, video_full_range_flag
    if (bits.readFlag()) bits.skipBits(24); // colour description
  }
  if (bits.readFlag()) {
    bits.readUe(); // chroma_sample_loc_type_top_field
    bits.readUe(); // chroma_sample_loc_type_bottom_field
  }
}

/** MSB-first bit reader for codec headers (SPS, sequence header OBU, AudioSpecificConfig). */
export class BitReader {
  #position: number;
  readonly #end: number;

  constructor(
    private readonly buffer: Buffer,
    byteOffset = 0,
  ) {
    this.#position = byteOffset * 8;
    this.#end = buffer.length * 8;
  }

  get bitsLeft(): number {
    return this.#end - this.#position;
  }

  readBit(): number {
    if (this.#position >= this.#end) throw new MediaParseError('bitstream truncated');
    const byte = this.buffer[this.#position >> 3]!;
    const bit = (byte >> (7 - (this.#position & 7))) & 1;
    this.#position++;
    return bit;
  }

  readFlag(): boolean {
    return this.readBit() === 1;
  }

  /** Reads up to 32 bits as an unsigned number. */
  readBits(count: number): number {
    if (count > this.bitsLeft) throw new MediaParseError('bitstream truncated');
    let value = 0;
    for (let i = 0; i < count; i++) value = value * 2 + this.readBit();
    return value;
  }

  skipBits(count: number): void {
    if (count > this.bitsLeft) throw new MediaParseError('bitstream truncated');
    this.#position += count;
  }

  /** ue(v): unsigned Exp-Golomb. */
  readUe(): number {
    let leadingZeros = 0;
    while (this.readBit() === 0) {
      // A legal ue(v) in H.264/H.265 fits in 32 bits; more zeros means garbage, not a bigger number.
      if (++leadingZeros > 31) throw new MediaParseError('Exp-Golomb code too long');
    }
    return 2 ** leadingZeros - 1 + this.readBits(leadingZeros);
  }

  /** se(v): signed Exp-Golomb. */
  readSe(): number {
    const code = this.readUe();
    return code % 2 === 1 ? (code + 1) / 2 : 0 - code / 2; // not -code / 2, which gives -0
  }
}
