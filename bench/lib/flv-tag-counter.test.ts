import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlvStreamError, FlvTagCounter } from './flv-tag-counter.js';

interface Tag {
  type: number;
  body: Buffer;
}

function flvStream(tags: Tag[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x46, 0x4c, 0x56, 1, 5, 0, 0, 0, 9])];
  let previous = 0;
  for (const tag of tags) {
    const head = Buffer.alloc(15);
    head.writeUInt32BE(previous, 0);
    head[4] = tag.type;
    head.writeUIntBE(tag.body.length, 5, 3);
    parts.push(head, tag.body);
    previous = tag.body.length + 11;
  }
  return Buffer.concat(parts);
}

/** Splits `buf` at the given cut points, as TCP may deliver it. */
function pieces(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, buf.length]) {
    out.push(buf.subarray(from, p));
    from = p;
  }
  return out;
}

const avcFrame = Buffer.from([0x27, 1, 0, 0, 0, 9, 9]);
const avcHeader = Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64]);
const aacFrame = Buffer.from([0xaf, 1, 0x21]);
const aacHeader = Buffer.from([0xaf, 0, 0x12, 0x10]);

describe('FlvTagCounter', () => {
  it('counts coded video and audio frames, not sequence headers, however the bytes are split', () => {
    const tagArb = fc.oneof(
      fc.constant({ type: 9, body: avcFrame, frame: 'video' }),
      fc.constant({ type: 9, body: avcHeader, frame: '' }),
      fc.constant({ type: 8, body: aacFrame, frame: 'audio' }),
      fc.constant({ type: 8, body: aacHeader, frame: '' }),
      fc.constant({ type: 18, body: Buffer.alloc(40), frame: '' }),
      fc.constant({ type: 9, body: Buffer.alloc(0), frame: '' }),
    );
    fc.assert(
      fc.property(
        fc.array(tagArb, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (tags, cuts) => {
          const counter = new FlvTagCounter();
          for (const piece of pieces(flvStream(tags), cuts)) counter.push(piece);
          expect(counter.tags).toBe(tags.length);
          expect(counter.videoFrames).toBe(tags.filter((t) => t.frame === 'video').length);
          expect(counter.audioFrames).toBe(tags.filter((t) => t.frame === 'audio').length);
        },
      ),
    );
  });

  it('reports a PreviousTagSize that does not match', () => {
    const stream = flvStream([
      { type: 9, body: avcFrame },
      { type: 9, body: avcFrame },
    ]);
    stream.writeUInt32BE(99, 9 + 15 + avcFrame.length);
    expect(() => new FlvTagCounter().push(stream)).toThrow(/PreviousTagSize 99/);
  });

  it('throws nothing but FlvStreamError on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (valid, bytes, cuts) => {
          // Behind a valid file header the tag walker itself gets the random bytes.
          const input = Buffer.concat([valid ? flvStream([]) : Buffer.alloc(0), Buffer.from(bytes)]);
          const counter = new FlvTagCounter();
          try {
            for (const piece of pieces(input, cuts)) counter.push(piece);
          } catch (error) {
            expect(error).toBeInstanceOf(FlvStreamError);
          }
        },
      ),
    );
  });
});
