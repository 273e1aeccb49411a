import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, escapeRbsp, unescapeRbsp } from './bit-reader.js';
import { MediaParseError } from './errors.js';

describe('BitReader', () => {
  it('reads MSB-first across byte boundaries', () => {
    const bits = new BitReader(Buffer.from([0b1010_1100, 0b0101_0011, 0xff, 0xff, 0xff, 0xff]));
    expect(bits.readBits(3)).toBe(0b101);
    expect(bits.readBits(7)).toBe(0b0110001);
    expect(bits.readFlag()).toBe(false);
    expect(bits.readBits(5)).toBe(0b10011);
    expect(bits.readBits(32)).toBe(0xffffffff);
    expect(bits.bitsLeft).toBe(0);
  });

  it('starts at a byte offset', () => {
    expect(new BitReader(Buffer.from([0x00, 0x80]), 1).readBit()).toBe(1);
  });

  it.each([
    ['1', 0, 0],
    ['010', 1, 1],
    ['011', 2, -1],
    ['00100', 3, 2],
    ['00111', 6, -3],
    ['0001000', 7, 4],
  ])('reads Exp-Golomb %s as ue %i and se %i', (code, ue, se) => {
    const padded = (code + '0'.repeat(16)).slice(0, 16);
    const bytes = Buffer.from([parseInt(padded.slice(0, 8), 2), parseInt(padded.slice(8), 2)]);
    expect(new BitReader(bytes).readUe()).toBe(ue);
    expect(new BitReader(bytes).readSe()).toBe(se);
  });

  it('reads the largest 32-bit ue(v)', () => {
    // 31 zeros, a one, then 31 ones: 2^32 - 2.
    const bits = new BitReader(Buffer.from([0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]));
    expect(bits.readUe()).toBe(2 ** 32 - 2);
  });

  it('throws MediaParseError past the end and on over-long Exp-Golomb codes', () => {
    expect(() => new BitReader(Buffer.from([0xff])).readBits(9)).toThrow(MediaParseError);
    expect(() => new BitReader(Buffer.alloc(1)).skipBits(9)).toThrow(MediaParseError);
    expect(() => new BitReader(Buffer.alloc(8)).readUe()).toThrow(MediaParseError);
    expect(() => new BitReader(Buffer.alloc(0)).readBit()).toThrow(MediaParseError);
  });

  it('never throws anything but MediaParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 16 }),
        fc.array(fc.integer({ min: 0, max: 4 })),
        (bytes, ops) => {
          const bits = new BitReader(Buffer.from(bytes));
          try {
            for (const op of ops)
              [
                () => bits.readUe(),
                () => bits.readSe(),
                () => bits.readBits(13),
                () => bits.readBit(),
                () => bits.skipBits(5),
              ][op]!();
          } catch (error) {
            if (!(error instanceof MediaParseError)) throw error;
          }
          expect(bits.bitsLeft).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe('unescapeRbsp', () => {
  it('returns the input itself when there is nothing to remove', () => {
    const nal = Buffer.from([0x67, 0, 0, 1, 0, 0, 4]);
    expect(unescapeRbsp(nal)).toBe(nal);
  });

  it('removes each emulation-prevention byte', () => {
    expect(unescapeRbsp(Buffer.from([1, 0, 0, 3, 0, 0, 3, 1, 0, 0, 3]))).toEqual(
      Buffer.from([1, 0, 0, 0, 0, 1, 0, 0]),
    );
    expect(unescapeRbsp(Buffer.from([0, 0, 3, 3]))).toEqual(Buffer.from([0, 0, 3]));
  });

  it('undoes escaping for any payload', () => {
    const zeroHeavy = fc.uint8Array({ maxLength: 64 }).map((a) => a.map((b) => (b < 160 ? 0 : b & 3)));
    fc.assert(
      fc.property(fc.oneof(zeroHeavy, fc.uint8Array({ maxLength: 64 })), (rbsp) => {
        expect(unescapeRbsp(escapeRbsp(rbsp))).toEqual(Buffer.from(rbsp));
      }),
    );
  });
});
