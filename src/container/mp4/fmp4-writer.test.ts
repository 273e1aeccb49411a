import { describe, expect, it } from 'vitest';
import { aacConfig } from '../../../test/helpers/media-configs.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../../media/packet.js';
import { Mp4WriteError } from './errors.js';
import { scanFragmentedMp4 } from './fmp4-scan.js';
import { Fmp4Writer, type Fmp4WriterOptions } from './fmp4-writer.js';

const video: VideoConfig = {
  kind: 'video',
  codec: 'avc',
  record: Buffer.of(1, 0x64, 0, 0x1f, 0xff, 0xe0, 0),
  tag: Buffer.alloc(0),
  codecString: 'avc1.64001f',
  width: 640,
  height: 360,
  profile: 100,
  level: 31,
  frameRate: 30,
};

const audio = aacConfig();

interface StreamShape {
  seconds: number;
  video?: boolean;
  audio?: boolean;
  gopFrames?: number;
  /** pts − dts of every video frame (a constant B-frame delay). */
  videoDelayMs?: number;
  videoBytes?: number;
  startMs?: number;
}

/** 30 fps video and 44.1 kHz AAC stamped like RTMP does (ms, rounded), in dts order. */
function stream(shape: StreamShape): MediaPacket[] {
  const packets: MediaPacket[] = [];
  const start = shape.startMs ?? 0;
  if (shape.video ?? true) {
    for (let k = 0; k < shape.seconds * 30; k++) {
      const dts = start + Math.round((k * 1000) / 30);
      const data = Buffer.alloc(shape.videoBytes ?? 100, k);
      const keyframe = k % (shape.gopFrames ?? 15) === 0;
      packets.push({
        kind: 'video',
        dts,
        pts: dts + (shape.videoDelayMs ?? 0),
        keyframe,
        data,
        tag: data,
        config: video,
      });
    }
  }
  if (shape.audio ?? true) {
    for (let j = 0; j < (shape.seconds * 44100) / 1024; j++) {
      const dts = start + Math.round((j * 1024 * 1000) / 44100);
      const data = Buffer.alloc(20, j);
      packets.push({ kind: 'audio', dts, pts: dts, keyframe: true, data, tag: data, config: audio });
    }
  }
  return packets.sort((a, b) => a.dts - b.dts);
}

/** Writes the packets, keeping each fragment's packets (found by data identity) in order. */
function write(
  tracks: { video?: VideoConfig; audio?: AudioConfig },
  packets: MediaPacket[],
  opts?: Fmp4WriterOptions,
) {
  const byData = new Map(packets.map((pkt) => [pkt.data, pkt]));
  const writer = new Fmp4Writer(tracks, opts);
  const parts = [writer.init()];
  const fragments: { packets: MediaPacket[]; bytes: number }[] = [];
  const take = (fragment: Buffer[] | undefined) => {
    if (!fragment) return;
    parts.push(...fragment);
    const own = fragment.map((part) => byData.get(part)).filter((pkt) => pkt !== undefined);
    fragments.push({ packets: own, bytes: own.reduce((n, pkt) => n + pkt.data.length, 0) });
  };
  for (const pkt of packets) take(writer.push(pkt));
  const durationBeforeEnd = writer.durationMs;
  take(writer.end());
  const file = Buffer.concat(parts);
  return { writer, fragments, file, durationBeforeEnd };
}

async function scan(file: Buffer) {
  return scanFragmentedMp4(async (offset, length) => file.subarray(offset, offset + length), file.length);
}

describe('Fmp4Writer init segment', () => {
  it('declares video as track 1 and audio as track 2 with their sample entries and size', async () => {
    const writer = new Fmp4Writer({ video, audio });
    const init = writer.init();
    expect(init.toString('latin1', 4, 8)).toBe('ftyp');
    const scanned = await scan(init);
    expect(scanned.fragmentCount).toBe(0);
    expect(scanned.tracks.map((t) => [t.trackId, t.kind, t.codec, t.timescale])).toEqual([
      [1, 'video', 'avc1', 90000],
      [2, 'audio', 'mp4a', 44100],
    ]);
    expect(scanned.tracks[0]).toMatchObject({ width: 640, height: 360 });
    expect(scanned.tracks[1]).toMatchObject({ channels: 2 });
  });

  it('writes single-track files with track 1 only', async () => {
    expect((await scan(new Fmp4Writer({ audio }).init())).tracks.map((t) => [t.trackId, t.kind])).toEqual([
      [1, 'audio'],
    ]);
    expect((await scan(new Fmp4Writer({ video }).init())).tracks.map((t) => [t.trackId, t.kind])).toEqual([
      [1, 'video'],
    ]);
  });

  it('refuses what MP4 cannot hold', () => {
    expect(() => new Fmp4Writer({})).toThrow(Mp4WriteError);
    expect(() => new Fmp4Writer({ audio: { ...audio, codec: 'other' } })).toThrow(/other/);
    expect(() => new Fmp4Writer({ audio: { ...audio, record: Buffer.alloc(0) } })).toThrow(Mp4WriteError);
    expect(() => new Fmp4Writer({ audio: { ...audio, sampleRate: 0 } })).toThrow(Mp4WriteError);
  });
});

describe('Fmp4Writer fragments', () => {
  it('starts every fragment at a video keyframe once the target duration has passed', () => {
    // Keyframes every 667 ms: the cuts fall at 1333, 2667, 4000 and 5333 ms.
    const { fragments } = write({ video, audio }, stream({ seconds: 6, gopFrames: 20 }));
    expect(fragments.length).toBe(5);
    const videoStarts = fragments.map((f) => f.packets.find((p) => p.kind === 'video')!);
    for (const first of videoStarts) expect(first.keyframe).toBe(true);
    const gaps = videoStarts.slice(1).map((first, i) => first.dts - videoStarts[i]!.dts);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1000);
    for (const gap of gaps) expect(gap).toBeLessThan(1000 + 667);
  });

  it('cuts at twice the target when keyframes are further apart', () => {
    const { fragments } = write({ video, audio }, stream({ seconds: 8, gopFrames: 120 }));
    const spans = fragments.map((f) => f.packets.at(-1)!.dts - f.packets[0]!.dts);
    for (const span of spans) expect(span).toBeLessThan(2000);
    expect(fragments.length).toBeGreaterThanOrEqual(4);
  });

  it('cuts audio-only files at the target duration', () => {
    const { fragments } = write({ audio }, stream({ seconds: 5, video: false }), { fragmentDurationMs: 500 });
    expect(fragments.length).toBeGreaterThanOrEqual(10);
    for (const f of fragments.slice(0, -1)) {
      const span = f.packets.at(-1)!.dts - f.packets[0]!.dts;
      expect(span).toBeGreaterThanOrEqual(500 - 24);
      expect(span).toBeLessThan(500 + 24);
    }
  });

  it('never lets a fragment outgrow maxFragmentBytes', () => {
    const max = 10_000;
    const { fragments } = write({ video }, stream({ seconds: 3, audio: false, videoBytes: 3000 }), {
      maxFragmentBytes: max,
    });
    for (const f of fragments) expect(f.bytes).toBeLessThanOrEqual(max);
    expect(fragments.reduce((n, f) => n + f.packets.length, 0)).toBe(90);
  });

  it('hands out the packets’ own data views, in dts order per track', () => {
    const packets = stream({ seconds: 2 });
    const { fragments } = write({ video, audio }, packets);
    const written = fragments.flatMap((f) => f.packets);
    expect(written.length).toBe(packets.length);
    for (const kind of ['video', 'audio'] as const) {
      expect(written.filter((p) => p.kind === kind)).toEqual(packets.filter((p) => p.kind === kind));
    }
  });
});

describe('Fmp4Writer fragments of 4 GiB and more', () => {
  it('gives the mdat a 64-bit size and points the trun past its longer header', async () => {
    // 257 frames of 16 MiB, all views of one zero buffer: 4 GiB of payload without 4 GiB of memory.
    const frame = Buffer.alloc(16 << 20);
    const packets: MediaPacket[] = Array.from({ length: 257 }, (_, k) => ({
      kind: 'video',
      dts: k * 40,
      pts: k * 40,
      keyframe: k === 0,
      data: frame,
      tag: frame,
      config: video,
    }));
    const writer = new Fmp4Writer({ video }, { fragmentDurationMs: 1e9, maxFragmentBytes: 2 ** 40 });
    const parts = [writer.init()];
    for (const pkt of packets) parts.push(...(writer.push(pkt) ?? []));
    parts.push(...(writer.end() ?? []));
    const [init, moof, mdatHeader] = parts as [Buffer, Buffer, Buffer];
    expect(mdatHeader.readUInt32BE(0)).toBe(1); // largesize follows
    expect(Number(mdatHeader.readBigUInt64BE(8))).toBe(16 + 257 * frame.length);

    // The file as a reader sees it: the headers, then the samples (zeros) up to its end.
    const headers = Buffer.concat([init, moof, mdatHeader]);
    const size = headers.length + 257 * frame.length;
    const scanned = await scanFragmentedMp4(async (offset, length) => {
      const bytes = Buffer.alloc(length);
      if (offset < headers.length) headers.copy(bytes, 0, offset, Math.min(headers.length, offset + length));
      return bytes;
    }, size);
    expect(scanned.truncatedAt).toBeUndefined();
    const samples = scanned.tracks[0]!.samples;
    expect(samples.count).toBe(257);
    expect(samples.offset[0]).toBe(headers.length);
    expect(samples.offset[256]! + samples.size[256]!).toBe(size);
  });
});

describe('Fmp4Writer timing', () => {
  it('rebases to the first packet, with exact video durations and composition offsets', async () => {
    const packets = stream({ seconds: 2, startMs: 5000, videoDelayMs: 67 });
    const { file, writer } = write({ video, audio }, packets);
    expect(writer.firstDts).toBe(5000);
    const [v, a] = (await scan(file)).tracks;
    expect(v!.samples.baseDecodeTime).toBe(0);
    expect(a!.samples.baseDecodeTime).toBe(0);
    const vPackets = packets.filter((p) => p.kind === 'video');
    for (let i = 0; i + 1 < vPackets.length; i++) {
      expect(v!.samples.duration[i]).toBe((vPackets[i + 1]!.dts - vPackets[i]!.dts) * 90);
      expect(v!.samples.compositionOffset[i]).toBe(67 * 90);
    }
    // The last sample repeats its predecessor's duration.
    expect(v!.samples.duration[v!.samples.count - 1]).toBe(v!.samples.duration[v!.samples.count - 2]);
    expect(Array.from(a!.samples.duration.subarray(0, a!.samples.count)).every((d) => d === 1024)).toBe(true);
  });

  it('drops video before the first keyframe and starts the clock at the first packet kept', async () => {
    const packets = stream({ seconds: 2, audio: false, gopFrames: 15 }).slice(3); // opens mid-GOP
    const { file, writer } = write({ video }, packets);
    expect(writer.firstDts).toBe(packets.find((p) => p.keyframe)!.dts);
    const [v] = (await scan(file)).tracks;
    expect(v!.samples.count).toBe(packets.length - 12);
    expect(v!.samples.sync[0]).toBe(1);
  });

  it('reports the duration written so far', () => {
    const { writer, durationBeforeEnd } = write({ video, audio }, stream({ seconds: 3 }));
    expect(durationBeforeEnd).toBeCloseTo(3000, -2);
    expect(writer.durationMs).toBeCloseTo(durationBeforeEnd, 0);
  });

  it('ignores packets of tracks it was not opened with and empty packets; refuses pushes after end', () => {
    const writer = new Fmp4Writer({ audio });
    const [v, a] = [stream({ seconds: 1, audio: false })[0]!, stream({ seconds: 1, video: false })[0]!];
    expect(writer.push(v)).toBeUndefined();
    expect(writer.push({ ...a, data: Buffer.alloc(0) })).toBeUndefined();
    expect(writer.firstDts).toBeUndefined();
    expect(writer.end()).toBeUndefined();
    expect(() => writer.push(a)).toThrow(Mp4WriteError);
  });
});
