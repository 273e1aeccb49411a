import { describe, expect, it } from 'vitest';
import { box, Fields, fullBox, mdatHeader, serialize, versionFor } from './boxes.js';

describe('box trees', () => {
  it('serializes nested boxes with their sizes and raw byte runs in order', () => {
    const tree = box('moov', fullBox('mvhd', 1, 0x000102, Buffer.of(9, 9)), box('udta'));
    expect(tree.size).toBe(8 + 14 + 8);
    const bytes = serialize([tree, Buffer.of(0xaa)]);
    expect(bytes.toString('hex')).toBe(
      ['0000001e', '6d6f6f76', '0000000e', '6d766864', '01000102', '0909', '00000008', '75647461', 'aa'].join(
        '',
      ),
    );
  });

  it('refuses a box whose size needs 64 bits instead of writing a wrong one', () => {
    const huge = { type: 'big!', size: 2 ** 32, content: [] };
    expect(() => box('moov', huge)).toThrow(RangeError);
  });
});

describe('mdatHeader', () => {
  it('uses the 32-bit size up to 2^32 − 9 payload bytes', () => {
    const header = mdatHeader(2 ** 32 - 9);
    expect(header.length).toBe(8);
    expect(header.readUInt32BE(0)).toBe(2 ** 32 - 1);
    expect(header.toString('latin1', 4, 8)).toBe('mdat');
  });

  it('switches to size 1 + 64-bit largesize (header included) from 2^32 − 8 payload bytes', () => {
    const payload = 2 ** 32 - 8;
    const header = mdatHeader(payload);
    expect(header.length).toBe(16);
    expect(header.readUInt32BE(0)).toBe(1);
    expect(header.toString('latin1', 4, 8)).toBe('mdat');
    expect(Number(header.readBigUInt64BE(8))).toBe(payload + 16);
  });
});

describe('Fields', () => {
  it('writes big-endian fields, 64-bit ones beyond 2^32 included', () => {
    const bytes = new Fields(14).u8(1).u16(0x0203).u24(0x040506).u32(0x0708090a).i32(-1).done();
    expect(bytes.toString('hex')).toBe('0102030405060708090affffffff');
    const wide = new Fields(8).u64(2 ** 40 + 5).done();
    expect(Number(wide.readBigUInt64BE(0))).toBe(2 ** 40 + 5);
  });

  it('catches a layout that does not fill its declared size', () => {
    expect(() => new Fields(4).u16(1).done()).toThrow(/2 of 4/);
  });

  it('chooses FullBox version 1 only when a value reaches 2^32', () => {
    expect(versionFor(2 ** 32 - 1, 0)).toBe(0);
    expect(versionFor(5, 2 ** 32)).toBe(1);
  });
});
