import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import type { VideoConfig } from '../media/packet.js';
import { FrameDecoder, MAX_PICTURES_IN_FLIGHT } from './frame-decoder.js';

describe('FrameDecoder (a real ffmpeg kept running)', () => {
  it('answers every keyframe with a JPEG of the asked size, in order, the last ones when closed', async () => {
    const flv = await makeTestFlv({ seconds: 6, width: 320, height: 240, bframes: true });
    const { packets } = flvToPackets(await readFile(flv));
    const keyframes = packets.filter((p) => p.kind === 'video' && p.keyframe);
    expect(keyframes.length).toBeGreaterThanOrEqual(6);
    const decoder = new FrameDecoder({ command: 'ffmpeg', width: 160, height: 0 });
    const pictures = [];
    for (const keyframe of keyframes) {
      // Pictures come out in order: once the oldest in flight is out, there is room again.
      if (decoder.busy) await pictures[pictures.length - MAX_PICTURES_IN_FLIGHT];
      pictures.push(decoder.decode(keyframe.config as VideoConfig, keyframe));
    }
    decoder.close();
    const jpegs = await Promise.all(pictures);
    expect(jpegs).toHaveLength(keyframes.length);
    for (const jpeg of jpegs) {
      expect(jpeg.bytes.subarray(0, 2)).toEqual(Buffer.of(0xff, 0xd8));
      expect([jpeg.width, jpeg.height]).toEqual([160, 120]);
    }
    // testsrc2 moves: each keyframe is a different picture.
    expect(new Set(jpegs.map((j) => j.bytes.toString('base64'))).size).toBe(jpegs.length);
  });

  it.each([
    ['with B-frames', true],
    ['without B-frames (Baseline)', false],
  ])('gives each picture out without waiting for the next keyframe (%s)', async (_name, bframes) => {
    const flv = await makeTestFlv({ seconds: 4, width: 320, height: 240, bframes });
    const keyframes = flvToPackets(await readFile(flv)).packets.filter(
      (p) => p.kind === 'video' && p.keyframe,
    );
    const decoder = new FrameDecoder({ command: 'ffmpeg', width: 160, height: 0 });
    try {
      // One keyframe per interval: its picture must come while nothing else goes in.
      for (const keyframe of keyframes.slice(0, 3)) {
        const picture = decoder.decode(keyframe.config as VideoConfig, keyframe);
        const late = new Promise<never>((_, reject) => {
          setTimeout(() => reject(new Error('no picture before the next keyframe')), 20_000).unref();
        });
        const jpeg = await Promise.race([picture, late]);
        expect(jpeg.width).toBe(160);
      }
    } finally {
      decoder.close();
    }
  });

  it('rejects when ffmpeg cannot be started', async () => {
    const flv = await makeTestFlv({ seconds: 1, width: 320, height: 240 });
    const keyframe = flvToPackets(await readFile(flv)).packets.find((p) => p.kind === 'video')!;
    const decoder = new FrameDecoder({ command: '/nonexistent/ffmpeg', width: 0, height: 0 });
    await expect(decoder.decode(keyframe.config as VideoConfig, keyframe)).rejects.toThrow(/ENOENT/);
  });
});
