import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JpegSplitter, JpegStreamError } from './jpeg-splitter.js';

/** Three 64x48 JPEGs written back to back by ffmpeg's image2pipe, as the decoder sees them. */
const STREAM = execFileSync('ffmpeg', [
  ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=3', '-frames:v', '3'],
  ...['-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
]);

describe('JpegSplitter', () => {
  it('cuts ffmpeg image2pipe output into whole images with their size, however it is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(STREAM.length), { maxLength: 12 }), (cuts) => {
        const splitter = new JpegSplitter();
        const images = [];
        let from = 0;
        for (const cut of [...cuts].sort((a, b) => a - b)) {
          images.push(...splitter.push(STREAM.subarray(from, cut)));
          from = cut;
        }
        images.push(...splitter.push(STREAM.subarray(from)));
        expect(images).toHaveLength(3);
        expect(Buffer.concat(images.map((i) => i.bytes)).equals(STREAM)).toBe(true);
        for (const image of images) expect([image.width, image.height]).toEqual([64, 48]);
      }),
    );
  });

  it('refuses bytes that are not JPEG with JpegStreamError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(STREAM.length - 1), (noise, at) => {
        const damaged = Buffer.from(STREAM);
        Buffer.from(noise).copy(damaged, at);
        try {
          for (const image of new JpegSplitter().push(damaged)) expect(image.bytes.length).toBeGreaterThan(4);
        } catch (error) {
          expect(error).toBeInstanceOf(JpegStreamError);
        }
      }),
    );
    expect(() => new JpegSplitter().push(Buffer.from('not a jpeg'))).toThrow(JpegStreamError);
  });
});
