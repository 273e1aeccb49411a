import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmfError, type AmfValue, decodeAmf0 } from './amf0.js';

/** Variable-length U29: 7 bits per byte for the first three bytes, 8 bits in the fourth. */
function u29(v: number): number[] {
  if (v < 0x80) return [v];
  if (v < 0x4000) return [0x80 | (v >> 7), v & 0x7f];
  if (v < 0x200000) return [0x80 | (v >> 14), 0x80 | ((v >> 7) & 0x7f), v & 0x7f];
  return [0x80 | (v >> 22), 0x80 | ((v >> 15) & 0x7f), 0x80 | ((v >> 8) & 0x7f), v & 0xff];
}

function utf8(s: string): number[] {
  const bytes = [...Buffer.from(s)];
  return [...u29((bytes.length << 1) | 1), ...bytes];
}

/** A reference-free AMF3 encoder: enough to feed the decoder every supported type. */
function amf3(v: AmfValue): number[] {
  if (v === undefined) return [0x00];
  if (v === null) return [0x01];
  if (typeof v === 'boolean') return [v ? 0x03 : 0x02];
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -(2 ** 28) && v < 2 ** 28 && !Object.is(v, -0)) {
      return [0x04, ...u29(v & 0x1fffffff)];
    }
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return [0x05, ...b];
  }
  if (typeof v === 'string') return [0x06, ...utf8(v)];
  if (v instanceof Date) {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v.getTime());
    return [0x08, 0x01, ...b];
  }
  if (Array.isArray(v)) return [0x09, ...u29((v.length << 1) | 1), 0x01, ...v.flatMap(amf3)];
  // 0x0b: inline object, inline traits, dynamic, no sealed members; then the empty class name.
  const members = Object.entries(v).flatMap(([k, x]) => [...utf8(k), ...amf3(x)]);
  return [0x0a, 0x0b, 0x01, ...members, 0x01];
}

const avmplus = (bytes: number[]) => Buffer.from([0x11, ...bytes]);

const amf3Value: fc.Arbitrary<AmfValue> = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -(2 ** 28), max: 2 ** 28 - 1 }),
    fc.double(),
    fc.boolean(),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), tie('value'), {
      maxKeys: 4,
      noNullPrototype: true,
    }),
  ),
})).value;

describe('AMF3 inside AMF0', () => {
  it('decodes every supported type', () => {
    fc.assert(
      fc.property(amf3Value, (value) => {
        expect(decodeAmf0(avmplus(amf3(value)))).toEqual([value]);
      }),
    );
  });

  it('sign-extends 29-bit integers', () => {
    expect(decodeAmf0(avmplus([0x04, 0xff, 0xff, 0xff, 0xff]))).toEqual([-1]);
    expect(decodeAmf0(avmplus([0x04, 0xbf, 0xff, 0xff, 0xff]))).toEqual([2 ** 28 - 1]);
    expect(decodeAmf0(avmplus([0x04, 0xc0, 0x80, 0x80, 0x00]))).toEqual([-(2 ** 28)]);
  });

  it('resolves string, object and traits references', () => {
    const bytes = [
      ...[0x09, 0x07, 0x01], // dense array of 3, no associative part
      ...[0x0a, 0x13, 0x01, ...utf8('name'), 0x06, ...utf8('abc')], // sealed traits [name], not dynamic
      ...[0x0a, 0x01, 0x06, 0x02], // traits reference 0; name -> string reference 1 ('abc')
      ...[0x0a, 0x02], // object reference 1: the first object again
    ];
    const [decoded] = decodeAmf0(avmplus(bytes)) as [AmfValue[]];
    expect(decoded).toEqual([{ name: 'abc' }, { name: 'abc' }, { name: 'abc' }]);
    expect(decoded[2]).toBe(decoded[0]);
  });

  it('decodes an array with an associative part to an object', () => {
    const bytes = [0x09, 0x03, ...utf8('k'), 0x03, 0x01, 0x06, ...utf8('zero')];
    expect(decodeAmf0(avmplus(bytes))).toEqual([{ k: true, 0: 'zero' }]);
  });

  it('starts fresh reference tables at each avmplus marker', () => {
    const first = avmplus([0x06, ...utf8('abc')]);
    const second = avmplus([0x06, 0x00]); // string reference 0 has no meaning in a new context
    expect(() => decodeAmf0(Buffer.concat([first, second]))).toThrow(/reference 0 out of range/);
  });

  it('rejects cycles, externalizable objects and unsupported types', () => {
    expect(() => decodeAmf0(avmplus([0x09, 0x03, 0x01, 0x09, 0x00]))).toThrow(/cyclic/);
    expect(() => decodeAmf0(avmplus([0x0a, 0x07, 0x01]))).toThrow(/externalizable/);
    expect(() => decodeAmf0(avmplus([0x0c, 0x01]))).toThrow(AmfError);
    expect(() => decodeAmf0(avmplus([0x11]))).toThrow(AmfError);
  });

  it('bounds the expanded size of nested references', () => {
    // a[0] = [], a[k] = [a[k-1], a[k-1]]: each level doubles the logical size for 5 bytes of input.
    const levels = 40;
    const bytes = [0x09, ...u29(((levels + 1) << 1) | 1), 0x01, 0x09, 0x01, 0x01];
    for (let k = 1; k <= levels; k++) bytes.push(0x09, 0x05, 0x01, 0x09, k << 1, 0x09, k << 1);
    expect(() => decodeAmf0(avmplus(bytes))).toThrow(/too large/);
  });

  it('decodes arbitrary bytes to values or AmfError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeAmf0(avmplus([...bytes]));
        } catch (e) {
          expect(e).toBeInstanceOf(AmfError);
        }
      }),
      { numRuns: 5000 },
    );
  });
});
