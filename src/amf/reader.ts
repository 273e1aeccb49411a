import { AmfError } from './value.js';

/** Nesting limit for objects and arrays: bounds the decoder's recursion on hostile input. */
export const MAX_AMF_DEPTH = 64;

/**
 * A bounds-checked cursor shared by the AMF0 and AMF3 decoders (an AMF0 stream can switch to AMF3
 * mid-value, so both read through the same position).
 */
export class AmfReader {
  pos = 0;
  private depth = 0;
  /**
   * Logical size of everything decoded so far. AMF3 references let a few bytes name an already
   * decoded subtree many times; counting the expanded size keeps the result proportional to the
   * input for any consumer that walks it.
   */
  private nodes = 0;
  private readonly maxNodes: number;

  constructor(readonly buf: Buffer) {
    this.maxNodes = 1024 + buf.length * 8;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number): void {
    if (this.buf.length - this.pos < n) {
      throw new AmfError(`truncated: need ${n} bytes at offset ${this.pos}, have ${this.remaining}`);
    }
  }

  /** A count read from the wire announces at least one byte per element; check it before looping. */
  checkCount(count: number, what: string): void {
    if (count > this.remaining) throw new AmfError(`${what} count ${count} exceeds the remaining input`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(length: number): string {
    this.need(length);
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }

  enter(): void {
    if (++this.depth > MAX_AMF_DEPTH) throw new AmfError(`nesting deeper than ${MAX_AMF_DEPTH}`);
  }

  leave(): void {
    this.depth--;
  }

  /** Returns the running node count, so a caller can measure the size of a subtree. */
  count(weight: number): number {
    this.nodes += weight;
    if (this.nodes > this.maxNodes) throw new AmfError('decoded value too large for its input');
    return this.nodes;
  }
}
