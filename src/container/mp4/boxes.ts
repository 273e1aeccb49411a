/**
 * ISO BMFF box building (ISO/IEC 14496-12 §4.2). A box is described as a small tree whose sizes are
 * known when it is made, so a whole tree is written into one Buffer allocated once, and fields whose
 * value depends on the final layout (trun data offsets, chunk offsets) can be patched before that.
 */

export type BoxContent = Buffer | Box;

export interface Box {
  readonly type: string;
  /** Header plus content, in bytes. */
  readonly size: number;
  readonly content: readonly BoxContent[];
}

const BOX_HEADER_SIZE = 8;
const UINT32_LIMIT = 2 ** 32;

export function box(type: string, ...content: BoxContent[]): Box {
  let size = BOX_HEADER_SIZE;
  for (const part of content) size += Buffer.isBuffer(part) ? part.length : part.size;
  if (size >= UINT32_LIMIT) throw new RangeError(`${type} box of ${size} bytes needs a 64-bit size`);
  return { type, size, content };
}

/** A FullBox: the version byte and 24 flag bits come first in its content. */
export function fullBox(type: string, version: number, flags: number, ...content: BoxContent[]): Box {
  const versionAndFlags = Buffer.allocUnsafe(4);
  versionAndFlags.writeUInt32BE(((version << 24) | flags) >>> 0, 0);
  return box(type, versionAndFlags, ...content);
}

/** Writes boxes and raw byte runs back to back into one new Buffer. */
export function serialize(parts: readonly BoxContent[]): Buffer {
  let size = 0;
  for (const part of parts) size += Buffer.isBuffer(part) ? part.length : part.size;
  const target = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const part of parts) offset = writeContent(target, offset, part);
  return target;
}

function writeContent(target: Buffer, offset: number, part: BoxContent): number {
  if (Buffer.isBuffer(part)) return offset + part.copy(target, offset);
  target.writeUInt32BE(part.size, offset);
  target.write(part.type, offset + 4, 4, 'latin1');
  let position = offset + BOX_HEADER_SIZE;
  for (const child of part.content) position = writeContent(target, position, child);
  return position;
}

/** The header of an mdat whose payload follows separately; 64-bit `largesize` once it would not fit 32 bits. */
export function mdatHeader(payloadLength: number): Buffer {
  if (payloadLength + BOX_HEADER_SIZE < UINT32_LIMIT) {
    const header = Buffer.allocUnsafe(BOX_HEADER_SIZE);
    header.writeUInt32BE(payloadLength + BOX_HEADER_SIZE, 0);
    header.write('mdat', 4, 'latin1');
    return header;
  }
  const header = Buffer.allocUnsafe(16);
  header.writeUInt32BE(1, 0);
  header.write('mdat', 4, 'latin1');
  writeUInt64(header, payloadLength + 16, 8);
  return header;
}

/** Big-endian unsigned 64-bit write of a safe integer, without BigInt on the hot path. */
export function writeUInt64(target: Buffer, value: number, offset: number): number {
  target.writeUInt32BE(Math.floor(value / UINT32_LIMIT), offset);
  return target.writeUInt32BE(value % UINT32_LIMIT, offset + 4);
}

/** Version 1 of a FullBox is needed when any of its time or offset fields reaches 2^32. */
export function versionFor(...values: number[]): 0 | 1 {
  return values.some((value) => value >= UINT32_LIMIT) ? 1 : 0;
}

/**
 * Fixed-layout field writer over a Buffer of the exact size the fields need: `done()` checks that
 * the declared size and the fields written agree, which catches layout slips in tests.
 */
export class Fields {
  readonly bytes: Buffer;
  private position = 0;

  constructor(size: number) {
    this.bytes = Buffer.alloc(size);
  }

  u8(value: number): this {
    this.position = this.bytes.writeUInt8(value, this.position);
    return this;
  }

  u16(value: number): this {
    this.position = this.bytes.writeUInt16BE(value, this.position);
    return this;
  }

  u24(value: number): this {
    this.position = this.bytes.writeUIntBE(value, this.position, 3);
    return this;
  }

  u32(value: number): this {
    this.position = this.bytes.writeUInt32BE(value, this.position);
    return this;
  }

  i32(value: number): this {
    this.position = this.bytes.writeInt32BE(value, this.position);
    return this;
  }

  u64(value: number): this {
    this.position = writeUInt64(this.bytes, value, this.position);
    return this;
  }

  /** A 32- or 64-bit field, as a FullBox version selects. */
  uVersioned(version: 0 | 1, value: number): this {
    return version === 1 ? this.u64(value) : this.u32(value);
  }

  fourcc(code: string): this {
    this.position += this.bytes.write(code, this.position, 4, 'latin1');
    return this;
  }

  bytesOf(source: Buffer): this {
    this.position += source.copy(this.bytes, this.position);
    return this;
  }

  zeros(count: number): this {
    this.position += count; // Buffer.alloc zero-filled them
    return this;
  }

  done(): Buffer {
    if (this.position !== this.bytes.length) {
      throw new Error(`field layout wrote ${this.position} of ${this.bytes.length} bytes`);
    }
    return this.bytes;
  }
}
