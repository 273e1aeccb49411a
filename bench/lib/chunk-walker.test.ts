import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MSG_AUDIO, MSG_VIDEO, type RtmpMessage } from '../../src/rtmp/messages.js';
import {
  cutsArb,
  interleavedChunks,
  splitAt,
  writtenWithChunkSizes,
} from '../../test/helpers/rtmp-chunk-streams.js';
import { ChunkWalkError, ChunkWalker } from './chunk-walker.mjs';

const messageArb = fc
  .record({
    csid: fc.constantFrom(3, 4, 6, 63, 64, 319, 320, 65599),
    typeId: fc.oneof(fc.constantFrom(MSG_AUDIO, MSG_VIDEO), fc.integer({ min: 3, max: 30 })),
    streamId: fc.constantFrom(0, 1, 0xfffffffe),
    timestamp: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0xfffff0, max: 0x1000010 })),
    length: fc.oneof(fc.constantFrom(0, 1, 127, 128, 129, 4096), fc.nat(3000)),
    seed: fc.nat(255),
  })
  .map(({ length, seed, ...m }): RtmpMessage => ({ ...m, payload: Buffer.alloc(length, seed) }));

const isMedia = (m: RtmpMessage) => m.typeId === MSG_AUDIO || m.typeId === MSG_VIDEO;
const count = (list: RtmpMessage[], typeId: number) => list.filter((m) => m.typeId === typeId).length;

function walk(stream: Buffer, cuts: number[]) {
  const kept: RtmpMessage[] = [];
  const walker = new ChunkWalker((m) => kept.push(m));
  for (const piece of splitAt(stream, cuts)) walker.push(piece);
  return { walker, kept };
}

describe('ChunkWalker (the Node floor receiver in raw mode)', () => {
  it('counts every audio and video message ChunkWriter wrote and hands over the others whole', () => {
    const opArb = fc.oneof(
      { weight: 6, arbitrary: messageArb },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), cutsArb, (ops, cuts) => {
        const { bytes: stream, sent } = writtenWithChunkSizes(ops);
        const { walker, kept } = walk(stream, cuts);
        expect(walker.videoMessages).toBe(count(sent, MSG_VIDEO));
        expect(walker.audioMessages).toBe(count(sent, MSG_AUDIO));
        expect(walker.bytes).toBe(stream.length);
        const fields = ({ csid, typeId, streamId, payload }: RtmpMessage) => ({
          csid,
          typeId,
          streamId,
          payload,
        });
        expect(kept.map(fields)).toEqual(sent.filter((m) => !isMedia(m)).map(fields));
      }),
      { numRuns: 300 },
    );
  });

  it('follows messages whose chunks interleave across chunk streams', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 20 }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.nat(), { maxLength: 500 }),
        cutsArb,
        (sent, chunkSize, picks, cuts) => {
          const { bytes } = interleavedChunks(sent, chunkSize, picks);
          const { walker } = walk(bytes, cuts);
          expect(walker.videoMessages).toBe(count(sent, MSG_VIDEO));
          expect(walker.audioMessages).toBe(count(sent, MSG_AUDIO));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('throws only ChunkWalkError on arbitrary input, and keeps throwing after it did', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (inputs) => {
        const walker = new ChunkWalker(() => undefined);
        let failure: unknown;
        for (const input of inputs) {
          try {
            walker.push(Buffer.from(input));
          } catch (error) {
            failure ??= error;
            expect(error).toBe(failure);
          }
        }
        if (failure !== undefined) expect(failure).toBeInstanceOf(ChunkWalkError);
      }),
      { numRuns: 500 },
    );
  });
});
