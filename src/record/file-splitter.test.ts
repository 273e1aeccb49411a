import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AudioConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import { FileSplitter, type SplitAction, type SplitterOptions } from './file-splitter.js';

function videoConfig(width: number): VideoConfig {
  return {
    kind: 'video',
    codec: 'avc',
    record: Buffer.alloc(0),
    tag: Buffer.alloc(0),
    codecString: 'avc1.42001e',
    width,
    height: 240,
    profile: 66,
    level: 30,
    frameRate: 30,
  };
}
const audioConfig: AudioConfig = {
  kind: 'audio',
  codec: 'aac',
  record: Buffer.alloc(2),
  tag: Buffer.alloc(0),
  codecString: 'mp4a.40.2',
  sampleRate: 44100,
  channels: 2,
  objectType: 2,
};
const v320 = videoConfig(320);

function v(dts: number, keyframe: boolean, config: VideoConfig = v320): MediaPacket {
  return { kind: 'video', dts, pts: dts, keyframe, data: Buffer.alloc(1), tag: Buffer.alloc(1), config };
}
function a(dts: number, config: AudioConfig = audioConfig): MediaPacket {
  return {
    kind: 'audio',
    dts,
    pts: dts,
    keyframe: true,
    data: Buffer.alloc(1),
    tag: Buffer.alloc(1),
    config,
  };
}

const opts: SplitterOptions = { intervalMs: 10_000, audioOnly: false, videoWaitMs: 1000 };

/** Runs packets through a file splitter and groups the written packets by file. */
function files(packets: MediaPacket[], o = opts) {
  const s = new FileSplitter(o);
  // The stream announces its configurations (sequence headers) before the first frames.
  for (const kind of ['video', 'audio'] as const) {
    const config = packets.find((p) => p.kind === kind)?.config;
    if (config) s.config(config);
  }
  const out: SplitAction[] = [];
  for (const p of packets) s.push(p, out);
  s.end(out);
  const result: Array<{ packets: MediaPacket[]; reason?: string; tracks: string }> = [];
  for (const action of out) {
    if (action.type === 'open')
      result.push({ packets: [], tracks: Object.keys(action.tracks).sort().join('+') });
    else if (action.type === 'write') result.at(-1)!.packets.push(action.packet);
    else result.at(-1)!.reason = action.reason;
  }
  return result;
}

/** Files may reorder a packet within one dts (pending audio joins after its keyframe); compare as sets. */
const sorted = (ps: MediaPacket[]) => [...ps].sort((x, y) => x.dts - y.dts || x.kind.localeCompare(y.kind));

/** 30 fps video with a keyframe every `gop` frames and AAC every ~23 ms, interleaved by dts. */
function av(seconds: number, gop = 60): MediaPacket[] {
  const out: MediaPacket[] = [];
  let ai = 0;
  for (let i = 0; i < seconds * 30; i++) {
    const dts = Math.round((i * 1000) / 30);
    while (Math.round((ai * 1024 * 1000) / 44100) <= dts)
      out.push(a(Math.round((ai++ * 1024 * 1000) / 44100)));
    out.push(v(dts, i % gop === 0));
  }
  return out;
}

describe('FileSplitter', () => {
  it('splits at the first keyframe at or after each interval, losing and repeating nothing', () => {
    const input = av(35);
    const result = files(input);
    expect(result.map((f) => f.reason)).toEqual(['interval', 'interval', 'interval', 'unpublish']);
    expect(result.map((f) => f.packets[0]!.dts)).toEqual([0, 10_000, 20_000, 30_000]);
    for (const f of result) expect(f.packets[0]).toMatchObject({ kind: 'video', keyframe: true });
    expect(sorted(result.flatMap((f) => f.packets))).toEqual(sorted(input));
  });

  it('waits for a keyframe when the interval falls mid-GOP', () => {
    const result = files(av(25, 90)); // keyframes every 3 s: 0, 3, 6, 9, 12 …
    expect(result.map((f) => f.packets[0]!.dts)).toEqual([0, 12_000, 24_000]);
  });

  it('starts the first file at the first keyframe and keeps only audio from there', () => {
    const input = [a(0), v(10, false), a(23), v(43, true), a(46), v(76, false)];
    const [file] = files(input);
    expect(file!.packets.map((p) => p.dts)).toEqual([43, 46, 76]);
    expect(file!.tracks).toBe('audio+video');
  });

  it('closes on a resolution change and reopens at the new keyframe', () => {
    const v640 = videoConfig(640);
    const input = [v(0, true), a(5), v(33, false), v(66, true, v640), a(70), v(100, false, v640)];
    const result = files(input);
    expect(result.map((f) => f.reason)).toEqual(['codec_change', 'unpublish']);
    expect(result[1]!.packets.map((p) => p.dts)).toEqual([66, 70, 100]);
  });

  it('opens a file with audio when the keyframe precedes the first audio frame', () => {
    const [file, ...rest] = files([v(0, true), a(5), v(33, false), a(28)]);
    expect(rest).toEqual([]);
    expect(file!.tracks).toBe('audio+video');
    expect(file!.packets.map((p) => p.dts)).toEqual([0, 5, 33, 28]);
  });

  it('splits on a new audio configuration at the next keyframe, dropping audio of the new config until then', () => {
    const mono: AudioConfig = { ...audioConfig, channels: 1 };
    const input = [v(0, true), a(5), a(30, mono), v(33, false), a(50, mono), v(66, true), a(70, mono)];
    const result = files(input);
    expect(result.map((f) => f.packets.map((p) => p.dts))).toEqual([
      [0, 5, 33],
      [66, 70],
    ]);
    expect(result[0]!.reason).toBe('codec_change');
  });

  it('treats a push with no video after the wait as audio-only, splitting on audio', () => {
    const input = Array.from({ length: 1000 }, (_, i) => a(Math.round((i * 1024 * 1000) / 44100)));
    const result = files(input, { ...opts, intervalMs: 5000 });
    expect(result.every((f) => f.tracks === 'audio')).toBe(true);
    expect(result.flatMap((f) => f.packets)).toEqual(input);
    expect(result.length).toBe(5); // 23.2 s of audio in 5 s files
  });

  it('records only audio for audioOnly plans, opening at once', () => {
    const result = files(av(2), { ...opts, audioOnly: true });
    expect(result).toHaveLength(1);
    expect(result[0]!.tracks).toBe('audio');
    expect(result[0]!.packets.every((p) => p.kind === 'audio')).toBe(true);
    expect(result[0]!.packets[0]!.dts).toBe(0);
  });

  it('never splits HLS-style segmenters by time', () => {
    expect(files(av(30), { ...opts, intervalMs: Number.POSITIVE_INFINITY })).toHaveLength(1);
  });

  it('property: every written packet appears once, files start on keyframes, dts never goes back within a file', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 500, max: 20_000 }),
        (seconds, gop, interval) => {
          const input = av(seconds, gop);
          const result = files(input, { ...opts, intervalMs: interval });
          const written = result.flatMap((f) => f.packets);
          expect(sorted(written)).toEqual(
            sorted(input).filter((p) => p.dts >= input.find((x) => x.kind === 'video')!.dts),
          );
          for (const f of result) {
            expect(f.packets[0]).toMatchObject({ kind: 'video', keyframe: true });
            for (let i = 1; i < f.packets.length; i++) {
              if (f.packets[i]!.kind === 'video')
                expect(f.packets[i]!.dts).toBeGreaterThanOrEqual(f.packets[0]!.dts);
            }
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
