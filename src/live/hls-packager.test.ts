/**
 * The live packager muxes a segment only when it is asked for (from media records in memory or in the
 * spill): the bytes must be what muxing at ingest produced (HlsSegmenter, the old path and the HLS
 * recording's), but for the continuity counters, which restart in each segment; and ffmpeg must decode
 * the live playlist's segments to the very same frames.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { HlsSegmenter } from '../container/hls/segmenter.js';
import type { CodecConfig, MediaPacket } from '../media/packet.js';
import { MemoryTarget } from '../storage/memory-target.js';
import { SegmentSpill } from '../storage/segment-spill.js';
import { HlsPackager } from './hls-packager.js';
import type { LiveStream } from './live-stream.js';

const run = promisify(execFile);
const OPTIONS = { targetDurationMs: 1000, windowSize: 3, dvrWindowMs: 600_000 };
type Media = ReturnType<typeof flvToPackets>;

/** The TS packets' continuity counters set to 0: what a segment muxed on its own differs in. */
function withoutContinuity(ts: Buffer): Buffer {
  const out = Buffer.from(ts);
  for (let at = 3; at < out.length; at += 188) out[at]! &= 0xf0;
  return out;
}

/** Each segment's TS bytes as the old path made them: one muxer for the whole push, its timeline from 0. */
function muxedAtIngest(configs: readonly CodecConfig[], packets: readonly MediaPacket[]): Buffer[] {
  const tracks = Object.fromEntries(configs.map((c) => [c.kind, c]));
  const segmenter = new HlsSegmenter({
    targetDurationMs: OPTIONS.targetDurationMs,
    tracks,
    timelineStartMs: 0,
  });
  const segments: Buffer[][] = [];
  for (const packet of packets) {
    const out = segmenter.push(packet);
    if (out.start) segments.push([]);
    if (out.bytes.length > 0) segments.at(-1)!.push(Buffer.from(out.bytes));
  }
  return segments.map((parts) => Buffer.concat(parts));
}

/** A packager fed the whole push, with a spill over memory or none; ended, so every segment is closed. */
function packaged(configs: readonly CodecConfig[], packets: readonly MediaPacket[], spilled: boolean) {
  const spill = spilled ? new SegmentSpill(new MemoryTarget(), 'push', () => undefined) : undefined;
  const packager = new HlsPackager({} as LiveStream, OPTIONS, spill ? { spill } : {});
  for (const config of configs) packager.config(config);
  for (const packet of packets) packager.packet(packet);
  packager.end();
  return packager;
}

async function served(packager: HlsPackager): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let seq = 0; seq <= packager.newestSeq; seq++) out.push((await packager.segment(seq))!);
  return out;
}

describe('HlsPackager: segments muxed on demand', () => {
  let dir: string;
  let av: Media;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-packager-'));
    av = flvToPackets(await readFile(await makeTestFlv({ seconds: 6, gop: 15, bframes: true })));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases = [
    ['audio and video', (m: Media) => [m.videoConfig!, m.audioConfig!], () => true],
    ['video only', (m: Media) => [m.videoConfig!], (p: MediaPacket) => p.kind === 'video'],
    ['audio only', (m: Media) => [m.audioConfig!], (p: MediaPacket) => p.kind === 'audio'],
  ] as const;

  for (const [name, configsOf, keep] of cases) {
    for (const spilled of [true, false]) {
      it(`${name}, ${spilled ? 'spilled' : 'in memory'}: the bytes of muxing at ingest but for the counters`, async () => {
        const configs = configsOf(av);
        const packets = av.packets.filter(keep);
        const expected = muxedAtIngest(configs, packets);
        const packager = packaged(configs, packets, spilled);
        const got = await served(packager);
        expect(got.length).toBe(expected.length);
        expect(got.length).toBeGreaterThan(3);
        // The first segment starts both muxers' counters at 0: byte for byte.
        expect(got[0]!.equals(expected[0]!)).toBe(true);
        for (const [seq, ts] of got.entries()) {
          expect(withoutContinuity(ts).equals(withoutContinuity(expected[seq]!)), `segment ${seq}`).toBe(
            true,
          );
        }
        // Asked again, from the cache or muxed again: the same bytes.
        packager.releaseMuxed();
        expect((await served(packager)).every((ts, seq) => ts.equals(got[seq]!))).toBe(true);
      });
    }
  }

  for (const spilled of [true, false]) {
    it(`keeps a configuration carried on the packets with the segments that use it (${spilled ? 'spilled' : 'in memory'})`, async () => {
      // A new video configuration on the packets alone (no new sequence header): no new part, config records.
      const half = av.packets.findIndex((p) => p.dts >= 3000);
      const video2 = { ...av.videoConfig! };
      const packets = av.packets.map((p, i) =>
        i >= half && p.kind === 'video' ? { ...p, config: video2 } : p,
      );
      const configs = [av.videoConfig!, av.audioConfig!];
      const expected = muxedAtIngest(configs, packets);
      const packager = packaged(configs, packets, spilled);
      expect(packager.playlist((seq) => `${seq}.ts`)).not.toContain('#EXT-X-DISCONTINUITY');
      const got = await served(packager);
      expect(got.length).toBe(expected.length);
      for (const [seq, ts] of got.entries()) {
        expect(withoutContinuity(ts).equals(withoutContinuity(expected[seq]!)), `segment ${seq}`).toBe(true);
      }
    });
  }

  it('continues the timeline after a new configuration, behind a discontinuity, as muxing at ingest did', async () => {
    const half = av.packets.findIndex((p) => p.dts >= 3000);
    // The same codec settings as a new object: the packager starts a new part, as after a new sequence header.
    const video2 = { ...av.videoConfig! };
    const second = av.packets.slice(half).map((p) => (p.kind === 'video' ? { ...p, config: video2 } : p));
    const first = muxedAtIngest([av.videoConfig!, av.audioConfig!], av.packets.slice(0, half));
    const spill = new SegmentSpill(new MemoryTarget(), 'push', () => undefined);
    const both = new HlsPackager({} as LiveStream, OPTIONS, { spill });
    both.config(av.videoConfig!);
    both.config(av.audioConfig!);
    for (const p of av.packets.slice(0, half)) both.packet(p);
    both.config(video2);
    for (const p of second) both.packet(p);
    both.end();
    const playlist = both.playlist((seq) => `${seq}.ts`);
    expect(playlist.match(/#EXT-X-DISCONTINUITY\n/g)).toHaveLength(1);
    // The second part, muxed at ingest by a segmenter that continues where the first ended.
    const firstPart = new HlsSegmenter({
      targetDurationMs: OPTIONS.targetDurationMs,
      tracks: { video: av.videoConfig!, audio: av.audioConfig! },
      timelineStartMs: 0,
    });
    for (const p of av.packets.slice(0, half)) firstPart.push(p);
    firstPart.end();
    const secondPart = new HlsSegmenter({
      targetDurationMs: OPTIONS.targetDurationMs,
      tracks: { video: video2, audio: av.audioConfig! },
      firstSeq: first.length,
      timelineStartMs: firstPart.timelineEndMs!,
    });
    const expected: Buffer[][] = [];
    for (const p of second) {
      const out = secondPart.push(p);
      if (out.start) expected.push([]);
      if (out.bytes.length > 0) expected.at(-1)!.push(Buffer.from(out.bytes));
    }
    const got = await served(both);
    expect(got.length).toBe(first.length + expected.length);
    for (const [i, parts] of expected.entries()) {
      const ts = withoutContinuity(got[first.length + i]!);
      expect(ts.equals(withoutContinuity(Buffer.concat(parts))), `segment ${first.length + i}`).toBe(true);
    }
  });

  it('muxes a segment once for concurrent players, and keeps only the newest few', async () => {
    const packager = packaged([av.videoConfig!, av.audioConfig!], av.packets, true);
    const newest = packager.newestSeq;
    const asked = [packager.segment(newest), packager.segment(newest), packager.segment(newest)];
    expect(asked[1]).toBe(asked[0]);
    expect(asked[2]).toBe(asked[0]);
    const first = await asked[0]!;
    for (let seq = 0; seq < 4; seq++) await packager.segment(seq);
    // Pushed out of the cache by four others: muxed again, to the same bytes, not the same buffer.
    const again = await packager.segment(newest);
    expect(again).not.toBe(first);
    expect(again!.equals(first!)).toBe(true);
    expect(await packager.segment(newest + 1)).toBeUndefined();
  });

  it('says at the configuration, not at the first request, that TS cannot carry a codec', () => {
    const packager = new HlsPackager({} as LiveStream, OPTIONS);
    packager.config({ ...av.videoConfig!, codec: 'av1', codecString: 'av01.0.04M.08' });
    expect(packager.unsupportedReason).toMatch(/av1/);
  });

  it('decodes in ffmpeg, through the live playlist, to the frames muxing at ingest gives', async () => {
    const configs = [av.videoConfig!, av.audioConfig!];
    const packager = packaged(configs, av.packets, true);
    const framemd5 = async (name: string, segments: readonly Buffer[]) => {
      await Promise.all(segments.map((ts, seq) => writeFile(join(dir, `${name}-${seq}.ts`), ts)));
      await writeFile(
        join(dir, `${name}.m3u8`),
        packager.playlist((seq) => `${name}-${seq}.ts`),
      );
      const { stdout, stderr } = await run('ffmpeg', [
        '-v',
        'warning',
        '-i',
        join(dir, `${name}.m3u8`),
        '-f',
        'framemd5',
        '-',
      ]);
      return { frames: stdout.split('\n').filter((l) => l && !l.startsWith('#')), stderr };
    };
    const onDemand = await framemd5('on-demand', await served(packager));
    const atIngest = await framemd5('at-ingest', muxedAtIngest(configs, av.packets));
    expect(onDemand.frames.length).toBeGreaterThan(150);
    expect(onDemand.frames).toEqual(atIngest.frames);
    expect(onDemand.stderr).toBe('');
  });
});
