import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import type { Mp4Movie } from '../container/mp4/movie-read.js';
import { flvFileHeader } from '../media/flv-writer.js';
import { FlvMovieError, readFlvMovie } from './flv-movie.js';

const readerOf = (bytes: Buffer) => async (offset: number, length: number) =>
  bytes.subarray(offset, offset + length);

const trackOf = (movie: Mp4Movie, kind: 'video' | 'audio') => movie.tracks.find((t) => t.kind === kind)!;

/** Resolves to the movie, or to the FlvMovieError it was refused with; any other error fails the test. */
async function outcome(bytes: Buffer): Promise<Mp4Movie | FlvMovieError> {
  try {
    return await readFlvMovie(readerOf(bytes), bytes.length, 64);
  } catch (error) {
    if (error instanceof FlvMovieError) return error;
    throw error;
  }
}

describe('readFlvMovie', () => {
  let flv: Buffer;
  beforeAll(async () => {
    flv = await readFile(await makeTestFlv({ seconds: 3, fps: 30, gop: 30, bframes: true }));
  });

  it("points each sample at its frame's payload inside the FLV, with the packetizer's timing", async () => {
    const movie = await readFlvMovie(readerOf(flv), flv.length);
    const { packets } = flvToPackets(flv);
    for (const kind of ['video', 'audio'] as const) {
      const expected = packets.filter((p) => p.kind === kind);
      const { samples, timescale } = trackOf(movie, kind);
      expect(timescale).toBe(1000);
      expect(samples.count).toBe(expected.length);
      expected.forEach((packet, i) => {
        const bytes = flv.subarray(samples.offset[i]!, samples.offset[i]! + samples.size[i]!);
        expect(bytes.equals(packet.data)).toBe(true);
        expect(samples.compositionOffset[i]).toBe(packet.pts - packet.dts);
        expect(samples.sync[i]).toBe(packet.keyframe ? 1 : 0);
        if (i + 1 < expected.length) expect(samples.duration[i]).toBe(expected[i + 1]!.dts - packet.dts);
      });
    }
    const video = trackOf(movie, 'video');
    expect(video.codec).toBe('avc1');
    expect([video.width, video.height]).toEqual([320, 240]);
    expect(trackOf(movie, 'audio').codec).toBe('mp4a');
    // Time 0 is the first frame shown: the B-frame stream's first pts sits after its first dts.
    expect(video.placement).toEqual({ leadMs: 0, mediaTime: video.samples.compositionOffset[0] });
  });

  it('reads the same movie however small its reading window', async () => {
    const whole = await readFlvMovie(readerOf(flv), flv.length);
    const windowed = await readFlvMovie(readerOf(flv), flv.length, 16);
    for (const kind of ['video', 'audio'] as const) {
      const a = trackOf(whole, kind).samples;
      const b = trackOf(windowed, kind).samples;
      expect(b.count).toBe(a.count);
      expect([...b.offset.subarray(0, b.count)]).toEqual([...a.offset.subarray(0, a.count)]);
    }
  });

  it('reads a file cut anywhere up to its last whole tag', async () => {
    const full = trackOf(await readFlvMovie(readerOf(flv), flv.length), 'video').samples.count;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: flv.length }), async (cut) => {
        const result = await outcome(flv.subarray(0, cut));
        if (result instanceof FlvMovieError) return;
        const video = result.tracks.find((t) => t.kind === 'video');
        expect(video?.samples.count ?? 0).toBeLessThanOrEqual(full);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses hostile bytes with FlvMovieError and nothing else', async () => {
    const header = flvFileHeader({ audio: true, video: true });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.boolean(), async (noise, withHeader) => {
        const bytes = Buffer.concat([withHeader ? header : Buffer.alloc(0), Buffer.from(noise)]);
        await outcome(bytes);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 13, max: 4000 }),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        async (at, garbage) => {
          const bytes = Buffer.from(flv.subarray(0, 5000));
          bytes.set(garbage, Math.min(at, bytes.length - garbage.length));
          await outcome(bytes);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('says what is wrong with a file that is not an FLV or holds no frame', async () => {
    await expect(readFlvMovie(readerOf(Buffer.from('ftypisom')), 8)).rejects.toThrow(/"FLV" signature/);
    const empty = Buffer.concat([flvFileHeader({ audio: true, video: true })]);
    await expect(readFlvMovie(readerOf(empty), empty.length)).rejects.toThrow(/no audio or video frame/);
  });
});
