import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { damagedOrRandom } from '../../test/helpers/damaged-bytes.js';
import { enhancedMedia } from '../../test/helpers/enhanced-media.js';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import type { PlaylistSegment } from '../container/hls/playlist.js';
import { HlsSegmenter } from '../container/hls/segmenter.js';
import { type MovieTrack, type Mp4Movie, movieTimeMs } from '../container/mp4/movie-read.js';
import { avcParameterSets } from '../media/avc.js';
import type { MediaPacket, VideoConfig } from '../media/packet.js';
import { MediaPacketizer } from '../media/packetizer.js';
import { type HlsMovie, HlsMovieError, readHlsMovie } from './hls-movie.js';

interface Recorded {
  readonly segments: PlaylistSegment[];
  readonly files: Map<string, Buffer>;
}

/** What the HLS recorder writes for these packets: 1 s segments through our own segmenter. */
function record(
  packets: readonly MediaPacket[],
  tracks: ConstructorParameters<typeof HlsSegmenter>[0]['tracks'],
): Recorded {
  const segmenter = new HlsSegmenter({ targetDurationMs: 1000, tracks, timelineStartMs: 0 });
  const segments: PlaylistSegment[] = [];
  const files = new Map<string, Buffer[]>();
  let current: Buffer[] | undefined;
  const done = (info: { seq: number; durationMs: number }) =>
    segments.push({ uri: `${info.seq}.ts`, durationSec: info.durationMs / 1000 });
  for (const packet of packets) {
    const out = segmenter.push(packet);
    if (out.cut) done(out.cut);
    if (out.start) {
      current = [];
      files.set(`${out.start.seq}.ts`, current);
    }
    if (out.bytes.length > 0) current?.push(Buffer.from(out.bytes));
  }
  const last = segmenter.end();
  if (last) done(last);
  return { segments, files: new Map([...files].map(([uri, parts]) => [uri, Buffer.concat(parts)])) };
}

async function read(
  recorded: Recorded,
  fromMs = 0,
  toMs = Number.MAX_SAFE_INTEGER,
): Promise<HlsMovie & { sampleFile: Buffer; readSegments: string[] }> {
  const written: Buffer[] = [];
  const readSegments: string[] = [];
  const movie = await readHlsMovie({
    segments: recorded.segments,
    read: async (uri) => {
      readSegments.push(uri);
      const bytes = recorded.files.get(uri);
      if (bytes === undefined) throw new Error(`no ${uri}`);
      return bytes;
    },
    write: async (bytes) => {
      written.push(Buffer.from(bytes));
    },
    fromMs,
    toMs,
  });
  const sampleFile = Buffer.concat(written);
  expect(sampleFile.length).toBe(movie.sampleBytes);
  return { ...movie, sampleFile, readSegments };
}

function lengthPrefixed(nal: Buffer): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(nal.length);
  return [length, nal];
}

const trackOf = (movie: Mp4Movie, kind: 'video' | 'audio') => movie.tracks.find((t) => t.kind === kind)!;

function sampleBytes(file: Buffer, track: MovieTrack, i: number): Buffer {
  return file.subarray(track.samples.offset[i]!, track.samples.offset[i]! + track.samples.size[i]!);
}

describe('readHlsMovie', () => {
  let packets: MediaPacket[];
  let recorded: Recorded;
  beforeAll(async () => {
    const flv = flvToPackets(
      await readFile(await makeTestFlv({ seconds: 6, fps: 30, gop: 30, bframes: true })),
    );
    packets = flv.packets;
    recorded = record(packets, { video: flv.videoConfig, audio: flv.audioConfig });
  });

  it('gives back every frame the recorder wrote as an MP4 sample, at its 90 kHz time, time 0 = first frame shown', async () => {
    const { movie, sampleFile, firstFrameMs } = await read(recorded);
    const video = packets.filter((p) => p.kind === 'video');
    const track = trackOf(movie, 'video');
    expect(track.timescale).toBe(90_000);
    expect(track.codec).toBe('avc1');
    expect([track.width, track.height]).toEqual([320, 240]);
    expect(track.samples.count).toBe(video.length);
    video.forEach((packet, i) => {
      expect(sampleBytes(sampleFile, track, i).equals(packet.data)).toBe(true);
      expect(track.samples.sync[i]).toBe(packet.keyframe ? 1 : 0);
      expect(track.samples.compositionOffset[i]).toBe((packet.pts - packet.dts) * 90);
      if (i + 1 < video.length) expect(track.samples.duration[i]).toBe((video[i + 1]!.dts - packet.dts) * 90);
    });
    // The first frame shown (the keyframe, after its B-frames' reorder delay) is time 0.
    expect(movieTimeMs(track, 0)).toBeCloseTo(video[0]!.dts - video[0]!.pts, 6);
    const audio = trackOf(movie, 'audio');
    expect(audio.codec).toBe('mp4a');
    const sentAudio = packets.filter((p) => p.kind === 'audio' && p.dts >= video[0]!.dts);
    expect(audio.samples.count).toBe(sentAudio.length);
    sentAudio.forEach((packet, i) => {
      expect(sampleBytes(sampleFile, audio, i).equals(packet.data)).toBe(true);
    });
    expect(movieTimeMs(audio, 0)).toBeCloseTo(sentAudio[0]!.dts - video[0]!.pts, 6);
    expect(firstFrameMs).toBeCloseTo(video[0]!.dts - video[0]!.pts, 6);
  });

  it('converts only the segments a range needs, from the keyframe before it, on the same timeline', async () => {
    const full = await read(recorded);
    const part = await read(recorded, 4800, 5000);
    expect(part.readSegments.length).toBeLessThan(recorded.segments.length);
    expect(part.sampleBytes).toBeLessThan(full.sampleBytes);
    expect(part.firstFrameMs).toBe(full.firstFrameMs);
    const fullVideo = trackOf(full.movie, 'video');
    const partVideo = trackOf(part.movie, 'video');
    expect(partVideo.samples.sync[0]).toBe(1);
    // The part's first sample is one of the full movie's, shown at the same movie time.
    const first = sampleBytes(part.sampleFile, partVideo, 0);
    const at = [...Array(fullVideo.samples.count).keys()].find((i) =>
      sampleBytes(full.sampleFile, fullVideo, i).equals(first),
    )!;
    let fullTime = 0;
    for (let i = 0; i < at; i++) fullTime += fullVideo.samples.duration[i]!;
    expect(movieTimeMs(partVideo, 0)).toBeCloseTo(movieTimeMs(fullVideo, fullTime), 6);
    expect(movieTimeMs(partVideo, 0)).toBeLessThanOrEqual(4800);
    expect(movieTimeMs(partVideo, partVideo.samples.totalDuration())).toBeGreaterThanOrEqual(5000);
  });

  it("decodes later segments with the first segment's parameter sets when a writer sends them only once", async () => {
    const flv = flvToPackets(
      await readFile(await makeTestFlv({ seconds: 6, fps: 30, gop: 30, bframes: true })),
    );
    const original = flv.videoConfig!;
    const { sps, pps } = avcParameterSets(original.record);
    // A record without parameter sets: the muxer then puts none before keyframes but the first, in band.
    const bare: VideoConfig = {
      ...original,
      record: Buffer.concat([original.record.subarray(0, 5), Buffer.of(0xe0, 0)]),
    };
    let first = true;
    const once = flv.packets.map((p): MediaPacket => {
      if (p.kind !== 'video') return p;
      const data = first ? Buffer.concat([...[...sps, ...pps].flatMap(lengthPrefixed), p.data]) : p.data;
      first = false;
      return { ...p, data, config: bare };
    });
    const sent = record(once, { video: bare, audio: flv.audioConfig });
    const part = await read(sent, 4800, 5000);
    expect(part.readSegments).not.toContain(sent.segments[1]!.uri);
    const video = trackOf(part.movie, 'video');
    expect(video.samples.count).toBeGreaterThan(0);
    expect(video.sampleEntry.equals(trackOf((await read(recorded)).movie, 'video').sampleEntry)).toBe(true);
  });

  it('refuses damaged segments and empty playlists with HlsMovieError and nothing else', async () => {
    await expect(read({ segments: [], files: new Map() })).rejects.toThrow(HlsMovieError);
    const first = recorded.files.get(recorded.segments[0]!.uri)!;
    await fc.assert(
      fc.asyncProperty(damagedOrRandom(first.subarray(0, 4000), 2000), async (bytes) => {
        const files = new Map(recorded.files).set(recorded.segments[0]!.uri, bytes);
        try {
          await read({ segments: recorded.segments, files });
        } catch (error) {
          if (!(error instanceof HlsMovieError)) throw error;
        }
      }),
      { numRuns: 150 },
    );
  });

  it("reads HEVC too: the parameter sets become an hvcC saying what the encoder's did", async () => {
    const media = await enhancedMedia('hevc', { seconds: 2, width: 320, height: 240, gop: 30 });
    const packetizer = new MediaPacketizer();
    const hevcPackets: MediaPacket[] = [];
    for (const tag of media.tags) {
      const out =
        tag.type === 9
          ? packetizer.video(tag.timestamp, tag.body)
          : packetizer.audio(tag.timestamp, tag.body);
      if (out !== undefined && 'kind' in out) hevcPackets.push(out);
    }
    const config = packetizer.videoConfig as VideoConfig;
    const hevc = record(hevcPackets, { video: config, audio: packetizer.audioConfig });
    const { movie, sampleFile } = await read(hevc);
    const track = trackOf(movie, 'video');
    expect(track.codec).toBe('hvc1');
    expect([track.width, track.height]).toEqual([320, 240]);
    const video = hevcPackets.filter((p) => p.kind === 'video');
    expect(track.samples.count).toBe(video.length);
    video.forEach((packet, i) => {
      expect(sampleBytes(sampleFile, track, i).equals(packet.data)).toBe(true);
    });
    // hvcC = 'hvcC' box inside the sample entry: profile, tier, level and constraints as the encoder's.
    const entry = track.sampleEntry;
    const hvcC = entry.subarray(entry.indexOf('hvcC') + 4);
    expect(hvcC.subarray(1, 13).equals(config.record.subarray(1, 13))).toBe(true);
    expect(hvcC.subarray(16, 19).equals(config.record.subarray(16, 19))).toBe(true);
  });
});
