/**
 * Bounds-checked reading of ISO BMFF boxes from untrusted bytes: every read stays inside the box it
 * belongs to and any inconsistency is an Mp4ScanError, never a RangeError from Buffer.
 */
import { Mp4ScanError } from './errors.js';

export interface BoxSpan {
  readonly type: string;
  /** Offsets into the buffer the box was found in. */
  readonly start: number;
  readonly bodyStart: number;
  readonly end: number;
}

const UINT32_LIMIT = 2 ** 32;

/**
 * The box whose header starts at `at` in `bytes`, if its header is all there and it claims no more
 * than `limit` bytes from `at` (size 0, "to the end", takes exactly `limit`). Undefined otherwise.
 */
export function boxAt(bytes: Buffer, at: number, limit: number): BoxSpan | undefined {
  if (limit < 8 || at + 8 > bytes.length) return undefined;
  const size32 = bytes.readUInt32BE(at);
  const type = bytes.toString('latin1', at + 4, at + 8);
  let size = size32;
  let headerSize = 8;
  if (size32 === 1) {
    if (limit < 16 || at + 16 > bytes.length) return undefined;
    size = bytes.readUInt32BE(at + 8) * UINT32_LIMIT + bytes.readUInt32BE(at + 12);
    headerSize = 16;
  } else if (size32 === 0) {
    size = limit;
  }
  if (size < headerSize || size > limit) return undefined;
  return { type, start: at, bodyStart: at + headerSize, end: at + size };
}

/** The boxes filling `[start, end)` of `bytes`, which must hold them completely. */
export function* childBoxes(bytes: Buffer, start: number, end: number): Generator<BoxSpan> {
  let at = start;
  while (at < end) {
    const child = boxAt(bytes, at, end - at);
    if (child === undefined) throw new Mp4ScanError(`malformed box at ${at}`);
    yield child;
    at = child.end;
  }
}

export function findChild(bytes: Buffer, parent: BoxSpan, type: string): BoxSpan | undefined {
  for (const child of childBoxes(bytes, parent.bodyStart, parent.end)) if (child.type === type) return child;
  return undefined;
}

export function requireChild(bytes: Buffer, parent: BoxSpan, type: string): BoxSpan {
  const child = findChild(bytes, parent, type);
  if (child === undefined) throw new Mp4ScanError(`${parent.type} has no ${type}`);
  return child;
}

/** Sequential field reads confined to one box body. */
export class BoxCursor {
  private position: number;
  private readonly end: number;

  constructor(
    private readonly bytes: Buffer,
    span: BoxSpan,
  ) {
    this.position = span.bodyStart;
    this.end = span.end;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  /** A FullBox's version byte and 24 flag bits. */
  versionAndFlags(): { version: number; flags: number } {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }

  u8(): number {
    return this.bytes.readUInt8(this.take(1));
  }

  u16(): number {
    return this.bytes.readUInt16BE(this.take(2));
  }

  u32(): number {
    return this.bytes.readUInt32BE(this.take(4));
  }

  i32(): number {
    return this.bytes.readInt32BE(this.take(4));
  }

  u64(): number {
    const high = this.u32();
    const low = this.u32();
    if (high >= 2 ** 21) throw new Mp4ScanError('64-bit value beyond 2^53');
    return high * UINT32_LIMIT + low;
  }

  /** A 32- or 64-bit field, as a FullBox version selects. */
  uVersioned(version: number): number {
    return version === 1 ? this.u64() : this.u32();
  }

  fourcc(): string {
    const at = this.take(4);
    return this.bytes.toString('latin1', at, at + 4);
  }

  skip(count: number): void {
    this.take(count);
  }

  private take(count: number): number {
    if (count > this.end - this.position) throw new Mp4ScanError('box body ends inside a field');
    const at = this.position;
    this.position += count;
    return at;
  }
}
