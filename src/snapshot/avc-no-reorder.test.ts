/**
 * The SPS rewrite that lets the snapshot decoder output a keyframe of a B-frame stream at once: checked
 * against ffmpeg (it reads the rewritten headers as declaring no reordering, and decodes the keyframes
 * cleanly), and against hostile input (mutated and random SPSs never throw, and a rewrite is stable).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { damagedOrRandom } from '../../test/helpers/damaged-bytes.js';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { run } from '../../test/helpers/process.js';
import { avcParameterSets, parseAvcDecoderConfig, parseAvcSps } from '../media/avc.js';
import { escapeRbsp, unescapeRbsp } from '../media/bit-reader.js';
import { MediaParseError } from '../media/errors.js';
import { flvFileHeader, flvTag } from '../media/flv-writer.js';
import type { MediaPacket, VideoConfig } from '../media/packet.js';
import { avcFrameWithoutReorder, avcTagWithoutReorder, spsWithoutReorder } from './avc-no-reorder.js';

/** x264's Main SPS with B-frames (a VUI with timing and bitstream restriction), and its Baseline one with the VUI cut off. */
const X264_SPS = Buffer.from('674d400deca0a0fd8088000003000800000301e078a14cb0', 'hex');
const NO_VUI_SPS = Buffer.from('6742c00dda0507e4', 'hex');

async function videoOf(bframes: boolean): Promise<{ config: VideoConfig; keyframes: MediaPacket[] }> {
  const flv = await makeTestFlv({ seconds: 2, width: 320, height: 240, audio: false, bframes });
  const { packets, videoConfig } = flvToPackets(await readFile(flv));
  return { config: videoConfig!, keyframes: packets.filter((p) => p.kind === 'video' && p.keyframe) };
}

describe('H.264 SPS rewritten to declare no reordering', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-no-reorder-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** ffprobe's `has_b_frames` (the reorder delay its decoder takes) for a sequence header and keyframes. */
  async function probeDelay(
    name: string,
    header: Buffer,
    frames: Buffer[],
  ): Promise<{ delay: number; errors: string }> {
    const path = join(dir, `${name}.flv`);
    const tags = [flvTag(9, 0, header), ...frames.map((frame, i) => flvTag(9, i * 40, frame))];
    await writeFile(path, Buffer.concat([flvFileHeader({ audio: false, video: true }), ...tags.flat()]));
    const probed = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=has_b_frames',
      '-of',
      'csv=p=0',
      path,
    ]);
    const decoded = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
    return { delay: Number(probed.stdout.trim()), errors: decoded.stderr };
  }

  it.each([
    ['with B-frames (Main)', true, 2],
    ['without B-frames (Baseline)', false, 0],
  ])('ffmpeg reads the rewritten stream as without delay (%s)', async (name, bframes, delayBefore) => {
    const { config, keyframes } = await videoOf(bframes);
    const tag = avcTagWithoutReorder(config.tag);
    expect(tag).toBeDefined();
    const rewritten = parseAvcDecoderConfig(tag!.subarray(5), tag!);
    const { record: _r, tag: _t, ...same } = config;
    expect(rewritten).toMatchObject(same);
    const frames = keyframes.map((k) => avcFrameWithoutReorder(k.tag, config.record));
    expect(await probeDelay(`${name}-before`, config.tag, frames)).toEqual({
      delay: delayBefore,
      errors: '',
    });
    expect(await probeDelay(`${name}-after`, tag!, frames)).toEqual({ delay: 0, errors: '' });
  });

  it('rewrites an SPS repeated inside a keyframe and keeps the other NAL units', () => {
    const slice = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33]);
    const units = [X264_SPS, slice].flatMap((nal) => [Buffer.from([0, 0, 0, nal.length]), nal]);
    const frame = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), ...units]);
    const record = Buffer.from([1, 0x64, 0, 0x1f, 0xff, 0xe0, 0]); // 4-byte lengths, no SPS/PPS needed
    const out = avcFrameWithoutReorder(frame, record);
    const sps = spsWithoutReorder(X264_SPS)!;
    expect(out).toEqual(
      Buffer.concat([
        frame.subarray(0, 5),
        Buffer.from([0, 0, 0, sps.length]),
        sps,
        frame.subarray(9 + X264_SPS.length),
      ]),
    );
    const noSps = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), Buffer.from([0, 0, 0, 5]), slice]);
    expect(avcFrameWithoutReorder(noSps, record)).toBe(noSps);
  });

  it('keeps what the SPS says, and adds a VUI to an SPS without one', () => {
    for (const sps of [X264_SPS, NO_VUI_SPS]) {
      const out = spsWithoutReorder(sps)!;
      const { frameRate: _before, ...before } = parseAvcSps(sps);
      const { frameRate: _after, ...after } = parseAvcSps(out);
      expect(after).toEqual(before);
      expect(spsWithoutReorder(out)).toEqual(out);
    }
    expect(parseAvcSps(spsWithoutReorder(X264_SPS)!).frameRate).toBe(parseAvcSps(X264_SPS).frameRate);
  });

  it('never throws on hostile SPSs; what it rewrites keeps its picture and is stable', () => {
    fc.assert(
      // The NAL header stays whole: anything but an SPS header is passed over before any parsing.
      fc.property(damagedOrRandom(X264_SPS, 64, 1), (sps) => {
        const out = spsWithoutReorder(sps);
        if (out === undefined) return;
        expect(spsWithoutReorder(out)).toEqual(out);
        let before: { width: number; height: number } | undefined;
        try {
          before = parseAvcSps(sps);
        } catch (error) {
          if (!(error instanceof MediaParseError)) throw error;
        }
        if (before) expect(parseAvcSps(out)).toMatchObject({ width: before.width, height: before.height });
      }),
      { numRuns: 2000 },
    );
  });

  it('escapes exactly what unescaping removes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a.map((b) => (b < 128 ? b % 4 : b)))),
        (rbsp) => {
          const escaped = escapeRbsp(rbsp);
          expect(unescapeRbsp(escaped)).toEqual(rbsp);
          for (let i = 0; i + 2 < escaped.length; i++) {
            expect(escaped[i] === 0 && escaped[i + 1] === 0 && escaped[i + 2]! <= 2).toBe(false);
          }
        },
      ),
    );
    expect(avcParameterSets(Buffer.from([1, 0x64, 0, 0x1f, 0xff, 0xe0, 0])).sps).toEqual([]);
  });
});
