/**
 * Real-decoder oracle for the recording path: packets → Fmp4Writer → (torn) fragmented file →
 * scanFragmentedMp4 → planFastStart → final file, each file checked with ffprobe / ffmpeg.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv, type TestFlvOptions } from '../../../test/helpers/flv-packets.js';
import { run } from '../../../test/helpers/process.js';
import type { AudioConfig, MediaPacket, VideoCodec, VideoConfig } from '../../media/packet.js';
import { boxAt, childBoxes } from './box-reader.js';
import { planFastStart } from './faststart.js';
import { scanFragmentedMp4 } from './fmp4-scan.js';
import { Fmp4Writer } from './fmp4-writer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-mp4-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Tracks {
  video?: VideoConfig;
  audio?: AudioConfig;
}

/** Where each fragment ends in the file and how many samples of each kind it holds. */
interface FragmentMark {
  readonly end: number;
  readonly video: number;
  readonly audio: number;
}

/** Runs the writer the way the recorder does: init, then every returned fragment appended. */
function record(tracks: Tracks, packets: readonly MediaPacket[], fragmentDurationMs = 1000) {
  const kindOf = new Map(packets.map((pkt) => [pkt.data, pkt.kind]));
  const writer = new Fmp4Writer(tracks, { fragmentDurationMs });
  const parts = [writer.init()];
  let length = parts[0]!.length;
  const marks: FragmentMark[] = [];
  const append = (fragment: Buffer[] | undefined) => {
    if (!fragment) return;
    const counts = { video: 0, audio: 0 };
    for (const part of fragment) {
      const kind = kindOf.get(part);
      if (kind) counts[kind]++;
      parts.push(part);
      length += part.length;
    }
    marks.push({ end: length, ...counts });
  };
  for (const pkt of packets) append(writer.push(pkt));
  append(writer.end());
  return { file: Buffer.concat(parts), marks, writer };
}

function readerOf(file: Buffer) {
  return async (offset: number, length: number) => file.subarray(offset, offset + length);
}

/** The final file, assembled the way the recorder will: head, then the planned ranges. */
async function finalize(fragmented: Buffer) {
  const scan = await scanFragmentedMp4(readerOf(fragmented), fragmented.length);
  const plan = planFastStart(scan);
  const file = Buffer.concat([
    plan.head,
    ...plan.copy.map((r) => fragmented.subarray(r.offset, r.offset + r.length)),
  ]);
  return { file, plan, scan };
}

interface ProbedStream {
  codec_type: 'video' | 'audio';
  codec_name: string;
  start_time: string;
  nb_read_frames: string;
  nb_read_packets: string;
}

async function probe(file: Buffer, name: string) {
  const path = join(dir, name.replace(/[^\w.-]+/g, '_'));
  await writeFile(path, file);
  const result = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-count_packets', '-of', 'json'],
    ...[
      '-show_entries',
      'stream=codec_type,codec_name,start_time,nb_read_frames,nb_read_packets:format=duration',
    ],
    path,
  ]);
  expect(result.stderr).toBe('');
  const json = JSON.parse(result.stdout) as { streams: ProbedStream[]; format: { duration: string } };
  const decode = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return {
    video: json.streams.find((s) => s.codec_type === 'video'),
    audio: json.streams.find((s) => s.codec_type === 'audio'),
    durationS: Number(json.format.duration),
    decodeErrors: decode.stderr,
  };
}

function topLevelBoxes(file: Buffer): string[] {
  return [...childBoxes(file, 0, file.length)].map((b) => b.type);
}

async function flvFixture(opts: TestFlvOptions) {
  const { packets, videoConfig, audioConfig } = flvToPackets(await readFile(await makeTestFlv(opts)));
  const tracks: Tracks = {};
  if (videoConfig) tracks.video = videoConfig;
  if (audioConfig) tracks.audio = audioConfig;
  return { packets, tracks };
}

function countKind(packets: readonly MediaPacket[], kind: 'video' | 'audio') {
  return packets.filter((p) => p.kind === kind).length;
}

describe.each([
  { name: 'A/V baseline', opts: { seconds: 4 } },
  { name: 'A/V with B-frames (x264 main, 2 B)', opts: { seconds: 4, bframes: true } },
  { name: 'video only, B-frames, 2 s GOP', opts: { seconds: 4, audio: false, bframes: true, gop: 60 } },
  { name: 'audio only', opts: { seconds: 3, video: false } },
])('recording $name', ({ name, opts }) => {
  it('plays as written (fragmented), and finalizes to a fast-start MP4 with every frame', async () => {
    const { packets, tracks } = await flvFixture(opts);
    const { file: fragmented, marks } = record(tracks, packets);
    expect(marks.length).toBeGreaterThanOrEqual(2);
    const videoCount = countKind(packets, 'video');
    const audioCount = countKind(packets, 'audio');

    const asWritten = await probe(fragmented, `${name}-fragmented.mp4`);
    expect(asWritten.decodeErrors).toBe('');
    if (tracks.video) expect(Number(asWritten.video?.nb_read_frames)).toBe(videoCount);
    if (tracks.audio) expect(Number(asWritten.audio?.nb_read_packets)).toBe(audioCount);

    const { file, plan } = await finalize(fragmented);
    expect(topLevelBoxes(file)).toEqual(['ftyp', 'moov', 'mdat']);
    expect(file.length).toBe(fragmented.length - sumOfNonPayloadBytes(fragmented) + plan.head.length);
    const final = await probe(file, `${name}-final.mp4`);
    expect(final.decodeErrors).toBe('');
    const span = mediaSpanMs(packets, tracks.video ? 'video' : 'audio');
    if (tracks.video) {
      expect(Number(final.video?.nb_read_frames)).toBe(videoCount);
      expect(Number(final.video?.start_time)).toBeCloseTo(0, 3);
      expect(Math.abs(final.durationS * 1000 - span)).toBeLessThanOrEqual(34); // ±1 frame at 30 fps
    }
    if (tracks.audio) {
      expect(Number(final.audio?.nb_read_packets)).toBe(audioCount);
      expect(Math.abs(Number(final.audio?.start_time))).toBeLessThan(0.1);
    }
    if (tracks.video && tracks.audio) {
      expect(Math.abs(Number(final.video?.start_time) - Number(final.audio?.start_time))).toBeLessThan(0.1);
      // Audio before the first picture is edited out, never more than that.
      expect(Number(final.audio?.nb_read_frames)).toBeGreaterThanOrEqual(audioCount - 3);
    }
    if (!tracks.video) expect(Math.abs(final.durationS * 1000 - span)).toBeLessThanOrEqual(24); // ±1 AAC frame
    expect(plan.durationMs / 1000).toBeCloseTo(final.durationS, 2);
  });
});

/** Bytes of the fragmented file that are not sample data: init segment, moofs, mdat headers. */
function sumOfNonPayloadBytes(file: Buffer): number {
  let overhead = 0;
  for (const b of childBoxes(file, 0, file.length))
    overhead += b.type === 'mdat' ? b.bodyStart - b.start : b.end - b.start;
  return overhead;
}

/** Earliest to latest presentation plus one frame, for the track that sets the movie's length. */
function mediaSpanMs(packets: readonly MediaPacket[], kind: 'video' | 'audio'): number {
  const own = packets.filter((p) => p.kind === kind);
  const pts = own.map((p) => p.pts);
  const frame = own.at(-1)!.dts - own.at(-2)!.dts;
  return Math.max(...pts) - Math.min(...pts) + frame;
}

describe('A/V alignment', () => {
  it('keeps audio that starts 500 ms after the first picture 500 ms late (empty edit), fragmented and final', async () => {
    const { packets, tracks } = await flvFixture({ seconds: 3, bframes: true });
    const late = packets.filter((p) => p.kind === 'video' || p.dts >= 500);
    const firstAudio = late.find((p) => p.kind === 'audio')!;
    const firstPicture = Math.min(...late.filter((p) => p.kind === 'video').map((p) => p.pts));
    const { file: fragmented } = record(tracks, late);
    for (const [name, file] of [
      ['late-audio-fragmented.mp4', fragmented],
      ['late-audio-final.mp4', (await finalize(fragmented)).file],
    ] as const) {
      const probed = await probe(file, name);
      expect(probed.decodeErrors).toBe('');
      const skew = Number(probed.audio?.start_time) - Number(probed.video?.start_time);
      expect(skew * 1000).toBeCloseTo(firstAudio.pts - firstPicture, -1);
    }
  });
});

describe('crash recovery', () => {
  it('a file torn at any byte finalizes to a clean file with every frame of its complete fragments', async () => {
    const { packets, tracks } = await flvFixture({ seconds: 4, bframes: true });
    const { file: fragmented, marks } = record(tracks, packets, 500);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: marks[0]!.end, max: fragmented.length - 1 }), async (cut) => {
        const torn = fragmented.subarray(0, cut);
        const complete = marks.filter((mark) => mark.end <= cut);
        const lastComplete = complete.at(-1)!.end;
        const { file, scan } = await finalize(torn);
        expect(scan.validEnd).toBe(lastComplete);
        expect(scan.truncatedAt).toBe(cut > lastComplete ? lastComplete : undefined);
        const probed = await probe(file, `torn-${cut}.mp4`);
        expect(probed.decodeErrors).toBe('');
        expect(Number(probed.video?.nb_read_frames)).toBe(complete.reduce((n, m) => n + m.video, 0));
        expect(Number(probed.audio?.nb_read_packets)).toBe(complete.reduce((n, m) => n + m.audio, 0));
      }),
      { numRuns: 6, seed: 20261124 },
    );
  });

  it('a file torn inside its init segment is refused with Mp4ScanError', async () => {
    const { packets, tracks } = await flvFixture({ seconds: 4 });
    const { file } = record(tracks, packets);
    const moov = [...childBoxes(file, 0, file.length)].find((b) => b.type === 'moov')!;
    const torn = file.subarray(0, moov.end - 1);
    await expect(scanFragmentedMp4(readerOf(torn), torn.length)).rejects.toThrow(/moov/);
  });
});

/**
 * Codecs our FLV fixture cannot carry: ffmpeg encodes them into its own fragmented MP4, the scanner
 * reads that back into packets (which also checks it against a foreign writer), and the packets go
 * through our writer and finalizer like an E-RTMP stream would.
 */
describe.each([
  {
    codec: 'hevc',
    entry: 'hvc1',
    args: ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1'],
  },
  { codec: 'av1', entry: 'av01', args: ['-c:v', 'libaom-av1', '-cpu-used', '8', '-usage', 'realtime'] },
  { codec: 'vp9', entry: 'vp09', args: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'] },
] as const)('recording $codec video', ({ codec, entry, args }) => {
  it(`writes a playable ${entry} sample entry, fragmented and final`, async () => {
    const source = await ffmpegFragmented(
      ['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '2', '-g', '30', ...args],
      `${codec}-source.mp4`,
    );
    const { packets, track } = await packetsOf(source);
    const config: VideoConfig = {
      kind: 'video',
      codec: codec as VideoCodec,
      record: configRecord(track.sampleEntry, 8 + 78),
      tag: Buffer.alloc(0),
      codecString: '',
      width: track.width,
      height: track.height,
      profile: 0,
      level: 0,
      frameRate: 30,
    };
    const { file: fragmented } = record({ video: config }, packets);
    const asWritten = await probe(fragmented, `${codec}-fragmented.mp4`);
    expect(asWritten.decodeErrors).toBe('');
    expect(asWritten.video).toMatchObject({ codec_name: codec, nb_read_frames: String(packets.length) });
    const final = await probe((await finalize(fragmented)).file, `${codec}-final.mp4`);
    expect(final.decodeErrors).toBe('');
    expect(final.video).toMatchObject({ codec_name: codec, nb_read_frames: String(packets.length) });
    expect(Number(final.video?.start_time)).toBeCloseTo(0, 3);
  });
});

describe('recording MP3 audio', () => {
  it.each([44100, 22050])('writes mp4a with the MPEG audio object type at %i Hz', async (sampleRate) => {
    const source = await ffmpegFragmented(
      ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${sampleRate}`, '-t', '2', '-c:a', 'libmp3lame'],
      `mp3-${sampleRate}-source.mp4`,
    );
    const { packets } = await packetsOf(source);
    const config: AudioConfig = {
      kind: 'audio',
      codec: 'mp3',
      record: Buffer.alloc(0),
      tag: Buffer.alloc(0),
      codecString: sampleRate >= 32000 ? 'mp4a.6B' : 'mp4a.69',
      sampleRate,
      channels: 1,
      objectType: 0,
    };
    const final = await probe(
      (await finalize(record({ audio: config }, packets).file)).file,
      `mp3-${sampleRate}.mp4`,
    );
    expect(final.decodeErrors).toBe('');
    expect(final.audio).toMatchObject({ codec_name: 'mp3', nb_read_packets: String(packets.length) });
  });
});

/**
 * Encodes, then remuxes into a fragmented MP4: encoding straight into `empty_moov` leaves the AV1
 * av1C empty (ffmpeg 5.1 has no extradata yet when it writes the moov).
 */
async function ffmpegFragmented(args: string[], name: string): Promise<Buffer> {
  const encoded = join(dir, `${name}.encoded.mkv`);
  const path = join(dir, name);
  const movflags = ['-movflags', 'frag_keyframe+empty_moov+default_base_moof'];
  const encode = await run('ffmpeg', ['-v', 'error', '-y', ...args, encoded]);
  expect(encode.stderr).toBe('');
  const remux = await run('ffmpeg', ['-v', 'error', '-y', '-i', encoded, '-c', 'copy', ...movflags, path]);
  expect(remux.stderr).toBe('');
  return readFile(path);
}

/** The single track of an ffmpeg-made fragmented MP4 as millisecond MediaPackets. */
async function packetsOf(file: Buffer) {
  const scan = await scanFragmentedMp4(readerOf(file), file.length);
  expect(scan.truncatedAt).toBeUndefined();
  const track = scan.tracks[0]!;
  const { samples, timescale } = track;
  const packets: MediaPacket[] = [];
  let decodeTime = samples.baseDecodeTime;
  const ms = (t: number) => Math.round((t * 1000) / timescale);
  for (let i = 0; i < samples.count; i++) {
    const data = file.subarray(samples.offset[i]!, samples.offset[i]! + samples.size[i]!);
    const dts = ms(decodeTime);
    packets.push({
      kind: track.kind,
      dts,
      pts: Math.max(dts, ms(decodeTime + samples.compositionOffset[i]!)),
      keyframe: samples.sync[i] === 1,
      data,
      tag: data,
      config: undefined,
    });
    decodeTime += samples.duration[i]!;
  }
  return { packets, track };
}

/** Body of the decoder configuration box that follows a sample entry's fixed fields. */
function configRecord(sampleEntry: Buffer, fixedFieldsEnd: number): Buffer {
  const child = boxAt(sampleEntry, fixedFieldsEnd, sampleEntry.length - fixedFieldsEnd);
  if (!child) throw new Error('sample entry has no configuration box');
  return sampleEntry.subarray(child.bodyStart, child.end);
}
