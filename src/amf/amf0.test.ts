import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmfError, type AmfValue, decodeAmf0, encodeAmf0 } from './amf0.js';
import { MAX_AMF_DEPTH } from './reader.js';

const amfValue: fc.Arbitrary<AmfValue> = fc.letrec<{ value: AmfValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double(),
    fc.boolean(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 12 }), tie('value'), {
      maxKeys: 5,
      noNullPrototype: true,
    }),
  ),
})).value;

/** Counts the nodes of a decoded value, the measure the decoder bounds by its input size. */
function nodeCount(v: AmfValue): number {
  if (Array.isArray(v)) return 1 + v.reduce<number>((n, x) => n + nodeCount(x), 0);
  if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
    return 1 + Object.values(v).reduce<number>((n, x) => n + nodeCount(x), 0);
  }
  return 1;
}

describe('AMF0', () => {
  it('round-trips generated values', () => {
    fc.assert(
      fc.property(fc.array(amfValue, { maxLength: 4 }), (values) => {
        expect(decodeAmf0(encodeAmf0(values))).toEqual(values);
      }),
    );
  });

  it('decodes arbitrary bytes to values or AmfError, bounded by the input size', () => {
    const markers = fc.constantFrom(0x00, 0x02, 0x03, 0x08, 0x0a, 0x0c, 0x10, 0x11);
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.tuple(markers, fc.uint8Array({ maxLength: 300 })).map(([m, rest]) => Uint8Array.of(m, ...rest)),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        const buf = Buffer.from(bytes);
        try {
          const values = decodeAmf0(buf);
          expect(values.reduce<number>((n, v) => n + nodeCount(v), 0)).toBeLessThanOrEqual(
            1024 + 8 * buf.length,
          );
        } catch (e) {
          expect(e).toBeInstanceOf(AmfError);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('encodes a connect command byte for byte', () => {
    const bytes = encodeAmf0(['connect', 1, { app: 'live' }]);
    expect(bytes.toString('hex')).toBe(
      [
        '02',
        '0007',
        Buffer.from('connect').toString('hex'),
        '00',
        '3ff0000000000000',
        '03',
        '0003',
        Buffer.from('app').toString('hex'),
        '02',
        '0004',
        Buffer.from('live').toString('hex'),
        '000009',
      ].join(''),
    );
  });

  it('decodes ECMA arrays, typed objects, XML documents and the unsupported marker', () => {
    // The ECMA array's count (5) is only a hint.
    const ecma = Buffer.from('08' + '00000005' + '0001' + '78' + '02' + '0001' + '79' + '000009', 'hex');
    const typed = Buffer.from('10' + '0001' + '43' + '0001' + '61' + '0101' + '000009', 'hex');
    const xml = Buffer.from('0f000000033c612f', 'hex');
    expect(decodeAmf0(Buffer.concat([ecma, typed, xml, Buffer.of(0x0d)]))).toEqual([
      { x: 'y' },
      { a: true },
      '<a/',
      undefined,
    ]);
  });

  it('encodes top-level objects as ECMA arrays on request, nested ones as objects', () => {
    const bytes = encodeAmf0(['onMetaData', { width: 320, nested: { a: 1 } }], { ecmaArrays: true });
    const at = 3 + 'onMetaData'.length;
    expect(bytes[at]).toBe(0x08);
    expect(bytes.readUInt32BE(at + 1)).toBe(2);
    expect(bytes.includes(Buffer.from('066e6573746564' + '03', 'hex'))).toBe(true);
    expect(decodeAmf0(bytes)).toEqual(['onMetaData', { width: 320, nested: { a: 1 } }]);
  });

  it('uses the long-string marker above 65535 bytes', () => {
    const long = 'é'.repeat(40_000); // 80,000 UTF-8 bytes
    const bytes = encodeAmf0([long]);
    expect(bytes[0]).toBe(0x0c);
    expect(decodeAmf0(bytes)).toEqual([long]);
  });

  it('stores a __proto__ key from the wire as data without touching the prototype', () => {
    const wire = Buffer.concat([
      Buffer.from('030009', 'hex'),
      Buffer.from('__proto__'),
      Buffer.from('0300017801' + '01' + '000009' + '000009', 'hex'), // { x: true }
    ]);
    const [decoded] = decodeAmf0(wire) as [Record<string, AmfValue>];
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ x: true });
    expect(decodeAmf0(encodeAmf0([decoded]))).toEqual([decoded]);
  });

  it('rejects nesting deeper than the limit on both sides', () => {
    let deep: AmfValue = [];
    for (let i = 0; i < MAX_AMF_DEPTH + 1; i++) deep = [deep];
    expect(() => encodeAmf0([deep])).toThrow(AmfError);
    const nested = Buffer.alloc((MAX_AMF_DEPTH + 1) * 5 + 1, 0x05); // innermost element: null
    for (let i = 0; i <= MAX_AMF_DEPTH; i++) {
      nested[i * 5] = 0x0a; // strict array of one element
      nested.writeUInt32BE(1, i * 5 + 1);
    }
    expect(() => decodeAmf0(nested)).toThrow(/nesting/);
  });

  it('rejects a strict array count larger than the input before allocating', () => {
    expect(() => decodeAmf0(Buffer.from('0affffffff', 'hex'))).toThrow(/count/);
  });

  it('rejects references and unknown markers', () => {
    expect(() => decodeAmf0(Buffer.from('070000', 'hex'))).toThrow(AmfError);
    expect(() => decodeAmf0(Buffer.from('04', 'hex'))).toThrow(AmfError);
  });
});
