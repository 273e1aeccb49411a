import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flvFileHeader, flvTag } from '../media/flv-writer.js';
import { FlvStreamError, FlvTagSplitter } from './flv-tag-splitter.js';

const tagArb = fc.record({
  type: fc.constantFrom(8 as const, 9 as const, 18 as const),
  timestamp: fc.nat({ max: 0xffffffff }),
  body: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
});

/** Splits `bytes` at the given fractions. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => Math.floor(p * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return chunks;
}

describe('FlvTagSplitter', () => {
  it('gives back the header and every tag, however the stream is cut into chunks', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.boolean(),
        fc.array(tagArb, { maxLength: 20 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
        (audio, video, tags, points) => {
          const bytes = Buffer.concat([
            flvFileHeader({ audio, video }),
            ...tags.flatMap((t) => flvTag(t.type, t.timestamp, t.body)),
          ]);
          const splitter = new FlvTagSplitter();
          const out = cut(bytes, points).flatMap((chunk) => splitter.push(chunk));
          expect(splitter.header).toEqual({ audio, video });
          expect(out.map((t) => ({ ...t, body: Buffer.from(t.body) }))).toEqual(tags);
        },
      ),
    );
  });

  it('throws only FlvStreamError for bytes that are not an FLV stream', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
        const splitter = new FlvTagSplitter();
        try {
          for (const chunk of [
            Buffer.from('FLV\x01\x05\x00\x00\x00\x09'),
            ...chunks.map((c) => Buffer.from(c)),
          ])
            splitter.push(chunk);
        } catch (error) {
          expect(error).toBeInstanceOf(FlvStreamError);
        }
      }),
    );
    expect(() => new FlvTagSplitter().push(Buffer.from('GIF89a-not-flv'))).toThrow(FlvStreamError);
  });
});
