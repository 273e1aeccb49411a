import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aacConfig, avcConfig } from '../../../test/helpers/media-configs.js';
import type { MediaPacket } from '../../media/packet.js';
import { HlsSegmenter, type SegmenterOutput, type SegmentInfo } from './segmenter.js';

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e]);
const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
const VIDEO = avcConfig({
  record: Buffer.concat([
    Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, 4]),
    SPS,
    Buffer.from([1, 0, 4]),
    PPS,
  ]),
});
const AUDIO = aacConfig({ sampleRate: 48000 });
const AAC_FRAME_MS = 1024 / 48;
const FRAME = Buffer.from([0, 0, 0, 3, 0x65, 0x88, 0x84]);

function video(dts: number, keyframe: boolean): MediaPacket {
  return { kind: 'video', dts, pts: dts + 66, keyframe, data: FRAME, tag: FRAME, config: VIDEO };
}

function audio(dts: number): MediaPacket {
  const data = Buffer.alloc(20);
  return { kind: 'audio', dts, pts: dts, keyframe: true, data, tag: data, config: AUDIO };
}

/** 30 fps video with a keyframe every `gop` frames, interleaved with 48 kHz AAC. */
function avStream(seconds: number, gop: number, from = 0): MediaPacket[] {
  const packets: MediaPacket[] = [];
  for (let i = 0; i < seconds * 30; i++) packets.push(video(from + (i * 1000) / 30, i % gop === 0));
  for (let t = from; t < from + seconds * 1000; t += AAC_FRAME_MS) packets.push(audio(t));
  return packets.sort((a, b) => a.dts - b.dts);
}

interface Run {
  outputs: SegmenterOutput[];
  segments: SegmentInfo[];
  /** Packets that produced bytes, by index in the input. */
  kept: MediaPacket[];
}

function runSegmenter(segmenter: HlsSegmenter, packets: readonly MediaPacket[]): Run {
  const outputs = packets.map((p) => segmenter.push(p));
  const segments = outputs.flatMap((o) => (o.cut ? [o.cut] : []));
  const last = segmenter.end();
  if (last) segments.push(last);
  return { outputs, segments, kept: packets.filter((_, i) => outputs[i]!.bytes.length > 0) };
}

function pid(ts: Buffer, packet: number): number {
  return ((ts[packet * 188 + 1]! & 0x1f) << 8) | ts[packet * 188 + 2]!;
}

describe('HlsSegmenter', () => {
  it('cuts at the first keyframe at or after the target, tables first in every segment', () => {
    const segmenter = new HlsSegmenter({ targetDurationMs: 1500, tracks: { video: VIDEO, audio: AUDIO } });
    const { outputs, segments } = runSegmenter(segmenter, avStream(5, 30));
    expect(segments.map((s) => [s.seq, s.startDts, s.durationMs, s.keyframeStart])).toEqual([
      [0, 0, 2000, true],
      [1, 2000, 2000, true],
      [2, 4000, expect.closeTo(235 * AAC_FRAME_MS - 4000, 6), true], // audio ends last
    ]);
    const starts = outputs.filter((o) => o.start);
    expect(starts.map((o) => o.start!.seq)).toEqual([0, 1, 2]);
    for (const o of starts)
      expect([pid(o.bytes, 0), pid(o.bytes, 1), pid(o.bytes, 2)]).toEqual([0, 0x1000, 0x100]);
    expect(outputs.filter((o) => o.cut).map((o) => o.start?.seq)).toEqual([1, 2]);
  });

  it('ends the last segment one frame after the last packet of the track that ends later', () => {
    const { segments } = runSegmenter(
      new HlsSegmenter({ targetDurationMs: 2000, tracks: { video: VIDEO } }),
      [video(0, true), video(40, false), video(80, false)],
    );
    expect(segments).toEqual([
      { seq: 0, startDts: 0, durationMs: 120, bytes: expect.any(Number), keyframeStart: true },
    ]);
    const withAudio = new HlsSegmenter({ targetDurationMs: 2000, tracks: { video: VIDEO, audio: AUDIO } });
    const last = runSegmenter(withAudio, [
      video(0, true),
      audio(10),
      video(40, false),
      audio(70),
    ]).segments.at(-1)!;
    expect(last.durationMs).toBeCloseTo(70 + AAC_FRAME_MS, 9);
  });

  it('drops video before the first keyframe and audio that comes before it', () => {
    const packets = [audio(0), video(0, false), audio(21), video(33, true), audio(42), video(66, false)];
    const run = runSegmenter(
      new HlsSegmenter({ targetDurationMs: 2000, tracks: { video: VIDEO, audio: AUDIO } }),
      packets,
    );
    expect(run.kept).toEqual(packets.slice(3));
    expect(run.segments[0]!.startDts).toBe(33);
  });

  it('cuts audio-only streams on the first frame at or after the target', () => {
    const packets = Array.from({ length: 300 }, (_, i) => audio(i * AAC_FRAME_MS));
    const { segments } = runSegmenter(
      new HlsSegmenter({ targetDurationMs: 2000, tracks: { audio: AUDIO } }),
      packets,
    );
    expect(segments.length).toBe(4);
    for (const s of segments.slice(0, -1)) {
      expect(s.durationMs).toBeGreaterThanOrEqual(2000);
      expect(s.durationMs).toBeLessThan(2000 + AAC_FRAME_MS);
      expect(s.keyframeStart).toBe(true);
    }
  });

  it('cuts on audio when video stalls, then lets video back in only at a keyframe', () => {
    const segmenter = new HlsSegmenter({ targetDurationMs: 1000, tracks: { video: VIDEO, audio: AUDIO } });
    const head = avStream(1, 30);
    const audioOnly = Array.from({ length: 150 }, (_, i) => audio(1000 + i * AAC_FRAME_MS));
    const back = [video(4300, false), video(4333, true), video(4366, false)];
    const run = runSegmenter(segmenter, [...head, ...audioOnly, ...back]);
    expect(run.segments.map((s) => s.keyframeStart)).toEqual([true, false, false, false]);
    for (const s of run.segments.slice(1, -1)) expect(s.durationMs).toBeLessThan(1000 + AAC_FRAME_MS);
    expect(run.kept.slice(-2)).toEqual(back.slice(1));
  });

  it('starts on audio when no keyframe comes for a whole target duration', () => {
    const packets = [video(0, false), ...Array.from({ length: 60 }, (_, i) => audio(i * AAC_FRAME_MS))];
    const run = runSegmenter(
      new HlsSegmenter({ targetDurationMs: 1000, tracks: { video: VIDEO, audio: AUDIO } }),
      packets,
    );
    expect(run.segments[0]).toMatchObject({ seq: 0, keyframeStart: false });
    expect(run.segments[0]!.startDts).toBeGreaterThanOrEqual(1000);
  });

  it('numbers from firstSeq and places the push at timelineStartMs on the TS timeline', () => {
    const segmenter = new HlsSegmenter({
      targetDurationMs: 1000,
      tracks: { video: VIDEO },
      firstSeq: 7,
      timelineStartMs: 5000,
    });
    expect(segmenter.timelineEndMs).toBeUndefined();
    const first = segmenter.push(video(40, true));
    expect(first.start).toEqual({ seq: 7 });
    // First PES after PAT + PMT: its PTS is (5000 + 66) ms at 90 kHz, plus the muxer's 1.4 s.
    const pes = first.bytes.subarray(2 * 188);
    const ptsAt = 4 + 1 + pes[4]! + 9;
    const pts =
      ((pes[ptsAt]! >> 1) & 7) * 2 ** 30 +
      ((pes.readUInt16BE(ptsAt + 1) >> 1) << 15) +
      (pes.readUInt16BE(ptsAt + 3) >> 1);
    expect(pts).toBe((5000 + 66) * 90 + 126_000);
    segmenter.push(video(73, false));
    expect(segmenter.end()).toMatchObject({ seq: 7, durationMs: 66 });
    expect(segmenter.timelineEndMs).toBe(5066);
    expect(segmenter.end()).toBeUndefined();
  });

  it('ignores packets of a track it was not given', () => {
    const segmenter = new HlsSegmenter({ targetDurationMs: 1000, tracks: { audio: AUDIO } });
    expect(segmenter.push(video(0, true)).bytes.length).toBe(0);
    expect(segmenter.end()).toBeUndefined();
  });

  it('tiles any stream: consecutive seqs, no gaps, bytes accounted, tables at every start', () => {
    const step = fc.record({
      kind: fc.constantFrom('video' as const, 'audio' as const),
      gap: fc.integer({ min: 0, max: 700 }),
      keyframe: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), fc.constantFrom('av', 'v', 'a'), (steps, layout) => {
        const tracks = {
          video: layout === 'a' ? undefined : VIDEO,
          audio: layout === 'v' ? undefined : AUDIO,
        };
        const segmenter = new HlsSegmenter({ targetDurationMs: 1000, tracks, firstSeq: 3 });
        let dts = 0;
        const packets = steps.map((s) => {
          dts += s.gap;
          return s.kind === 'video' ? video(dts, s.keyframe) : audio(dts);
        });
        const run = runSegmenter(segmenter, packets);
        expect(run.segments.map((s) => s.seq)).toEqual(run.segments.map((_, i) => 3 + i));
        run.segments.slice(1).forEach((s, i) => {
          expect(run.segments[i]!.startDts + run.segments[i]!.durationMs).toBe(s.startDts);
        });
        for (const s of run.segments) expect(s.durationMs).toBeGreaterThanOrEqual(0);
        const total = run.outputs.reduce((n, o) => n + o.bytes.length, 0);
        expect(run.segments.reduce((n, s) => n + s.bytes, 0)).toBe(total);
        for (const o of run.outputs) if (o.start) expect(pid(o.bytes, 0)).toBe(0);
        if (tracks.video) expect(run.kept.find((p) => p.kind === 'video')?.keyframe ?? true).toBe(true);
      }),
    );
  });
});
