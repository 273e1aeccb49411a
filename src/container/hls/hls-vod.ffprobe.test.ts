/**
 * The real oracle for the TS muxer, the segmenter and the playlist together: packets from real
 * encoders go through HlsSegmenter into segment files and a VOD playlist, which ffprobe and ffmpeg
 * must read with the right parameters, every frame decoded, no errors and the right duration.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../../test/helpers/flv-packets.js';
import { run } from '../../../test/helpers/process.js';
import type { MediaPacket, VideoConfig } from '../../media/packet.js';
import type { TsTracks } from '../mpegts/ts-muxer.js';
import { renderMediaPlaylist } from './playlist.js';
import { HlsSegmenter, type SegmentInfo } from './segmenter.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'livetape-hls-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

interface Push {
  readonly tracks: TsTracks;
  readonly packets: readonly MediaPacket[];
}

interface Recording {
  readonly playlist: string;
  readonly segmentFiles: string[];
  readonly segments: SegmentInfo[];
  /** Packets that went into segments, per kind. */
  readonly kept: { video: number; audio: number };
  readonly pushed: number;
  /** Sum over pushes of the time their kept packets span: first DTS to the end of the last frame. */
  readonly pushedMs: number;
}

/**
 * Records pushes back to back into one VOD playlist, as the recorder does within the resume window:
 * a discontinuity between pushes, and the TS timeline carried on from one push to the next.
 */
async function record(name: string, pushes: readonly Push[], targetDurationMs = 2000): Promise<Recording> {
  const dir = join(root, name);
  await mkdir(dir);
  const segments: SegmentInfo[] = [];
  const files: Buffer[][] = [];
  const discontinuities = new Set<number>();
  const kept = { video: 0, audio: 0 };
  let pushedMs = 0;
  let timelineStartMs: number | undefined;
  for (const push of pushes) {
    const firstSeq = files.length;
    const segmenter = new HlsSegmenter({ targetDurationMs, tracks: push.tracks, firstSeq, timelineStartMs });
    discontinuities.add(firstSeq);
    const keptPackets: MediaPacket[] = [];
    for (const pkt of push.packets) {
      const out = segmenter.push(pkt);
      if (out.cut) segments.push(out.cut);
      if (out.start) files.push([]);
      if (out.bytes.length > 0) {
        files.at(-1)!.push(out.bytes);
        keptPackets.push(pkt);
        kept[pkt.kind]++;
      }
    }
    segments.push(segmenter.end()!);
    timelineStartMs = segmenter.timelineEndMs;
    pushedMs += spanMs(keptPackets);
  }
  const segmentFiles = await Promise.all(
    files.map(async (parts, seq) => {
      const path = join(dir, `seg-${seq}.ts`);
      await writeFile(path, Buffer.concat(parts));
      return path;
    }),
  );
  expect(segments.map((s) => s.bytes)).toEqual(files.map((parts) => parts.reduce((n, b) => n + b.length, 0)));
  const playlist = join(dir, 'playlist.m3u8');
  const text = renderMediaPlaylist({
    kind: 'vod',
    targetDurationSec: Math.ceil(Math.max(...segments.map((s) => s.durationMs)) / 1000),
    mediaSequence: 0,
    discontinuitySequence: 0,
    segments: segments.map((s) => ({
      uri: `seg-${s.seq}.ts`,
      durationSec: s.durationMs / 1000,
      discontinuity: s.seq > 0 && discontinuities.has(s.seq),
    })),
    ended: true,
  });
  await writeFile(playlist, text);
  const pushed = pushes.reduce((n, p) => n + p.packets.length, 0);
  return { playlist, segmentFiles, segments, kept, pushed, pushedMs };
}

/** First DTS to the end of the last frame of whichever track ends later; a frame lasts its track's mean DTS step. */
function spanMs(packets: readonly MediaPacket[]): number {
  let end = Number.NEGATIVE_INFINITY;
  for (const kind of ['video', 'audio'] as const) {
    const dts = packets.filter((p) => p.kind === kind).map((p) => p.dts);
    if (dts.length < 2) continue;
    const last = dts.at(-1)!;
    end = Math.max(end, last + (last - dts[0]!) / (dts.length - 1));
  }
  return end - packets[0]!.dts;
}

interface ProbedStream {
  codec_type: string;
  codec_name: string;
  start_time?: string;
  nb_read_frames?: string;
  [field: string]: unknown;
}

async function ffprobe(args: string[]): Promise<{ streams: ProbedStream[]; format?: { duration: string } }> {
  const r = await run('ffprobe', ['-v', 'error', '-of', 'json', ...args]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

/** Stream parameters plus decoded frame counts; `streams` are top-level only (not repeated per program). */
function probePlaylist(path: string) {
  return ffprobe(['-count_frames', '-show_streams', '-show_format', path]);
}

async function expectCleanDecode(path: string): Promise<void> {
  const r = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

function frames(streams: ProbedStream[], type: string): number {
  return streams.filter((s) => s.codec_type === type).reduce((n, s) => n + Number(s.nb_read_frames), 0);
}

/** Per-segment checks: PAT + PMT first, and (with video) a keyframe as the first video frame. */
async function expectSegmentsStandAlone(rec: Recording, withVideo: boolean): Promise<void> {
  for (const file of rec.segmentFiles) {
    const ts = await readFile(file);
    const pid = (at: number) => ((ts[at * 188 + 1]! & 0x1f) << 8) | ts[at * 188 + 2]!;
    expect([pid(0), pid(1)]).toEqual([0, 0x1000]);
    if (!withVideo) continue;
    const r = await run('ffprobe', [
      ...['-v', 'error', '-of', 'json', '-select_streams', 'v', '-show_entries', 'frame=key_frame'],
      ...['-read_intervals', '%+#1', file],
    ]);
    expect(JSON.parse(r.stdout).frames[0].key_frame).toBe(1);
  }
}

/** Media time the decoder sees: earliest PTS to the end of the latest packet, over all streams. */
async function presentedSeconds(path: string): Promise<number> {
  const entries = ['-show_entries', 'packet=pts_time,duration_time'];
  const r = await run('ffprobe', ['-v', 'error', '-of', 'json', ...entries, path]);
  const packets: Array<{ pts_time: string; duration_time: string }> = JSON.parse(r.stdout).packets;
  const starts = packets.map((p) => Number(p.pts_time));
  const ends = packets.map((p) => Number(p.pts_time) + Number(p.duration_time));
  return Math.max(...ends) - Math.min(...starts);
}

/**
 * What every recording must satisfy: ffmpeg decodes it without a message, every kept packet is a
 * decoded frame, the playlist's duration is the pushed duration within a frame, each segment stands
 * alone. Returns the probed streams for codec-specific checks.
 */
async function expectPlayable(rec: Recording, frameMs: number): Promise<ProbedStream[]> {
  // Every fixture starts on a keyframe, so nothing may be dropped.
  expect(rec.kept.video + rec.kept.audio).toBe(rec.pushed);
  const probe = await probePlaylist(rec.playlist);
  expect(frames(probe.streams, 'video')).toBe(rec.kept.video);
  expect(frames(probe.streams, 'audio')).toBe(rec.kept.audio);
  const listedMs = rec.segments.reduce((t, s) => t + s.durationMs, 0);
  expect(Math.abs(listedMs - rec.pushedMs)).toBeLessThanOrEqual(frameMs / 2);
  expect(Math.abs(Number(probe.format!.duration) * 1000 - listedMs)).toBeLessThanOrEqual(rec.segments.length);
  await expectCleanDecode(rec.playlist);
  await expectSegmentsStandAlone(rec, rec.kept.video > 0);
  return probe.streams;
}

async function flvPush(opts: Parameters<typeof makeTestFlv>[0]): Promise<Push> {
  const flv = flvToPackets(await readFile(await makeTestFlv(opts)));
  return { tracks: { video: flv.videoConfig, audio: flv.audioConfig }, packets: flv.packets };
}

const VIDEO_FRAME_MS = 1000 / 30;

describe('HLS VOD recording read back by ffmpeg', () => {
  it('H.264 with B-frames + AAC', async () => {
    const push = await flvPush({ seconds: 5, bframes: true });
    const rec = await record('avc-aac', [push]);
    expect(rec.segments.map((s) => s.durationMs).slice(0, -1)).toEqual([2000, 2000]);
    const streams = await expectPlayable(rec, VIDEO_FRAME_MS);
    const video = streams.find((s) => s.codec_type === 'video')!;
    const audio = streams.find((s) => s.codec_type === 'audio')!;
    expect(video).toMatchObject({
      codec_name: 'h264',
      profile: 'Main',
      width: 320,
      height: 240,
      has_b_frames: 2,
    });
    expect(audio).toMatchObject({ codec_name: 'aac', profile: 'LC', sample_rate: '44100', channels: 2 });
    expect(Math.abs(Number(video.start_time) - Number(audio.start_time))).toBeLessThan(0.1);
    const presented = await presentedSeconds(rec.playlist);
    expect(Math.abs(presented * 1000 - rec.pushedMs)).toBeLessThan(100);
  });

  it('H.264 only, keyframes every 0.5 s: cuts at the first keyframe past the target', async () => {
    const rec = await record('avc', [await flvPush({ seconds: 4, audio: false, gop: 15 })], 1200);
    expect(rec.segments.map((s) => s.durationMs).slice(0, -1)).toEqual([1500, 1500]);
    const [video] = await expectPlayable(rec, VIDEO_FRAME_MS);
    expect(video).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', width: 320 });
  });

  it('AAC only: cuts on audio frame boundaries', async () => {
    const rec = await record('aac', [await flvPush({ seconds: 5, video: false })]);
    const aacFrameMs = (1024 * 1000) / 44100;
    for (const s of rec.segments.slice(0, -1)) {
      expect(s.durationMs).toBeGreaterThanOrEqual(2000);
      expect(s.durationMs).toBeLessThan(2000 + aacFrameMs + 1);
    }
    const [audio] = await expectPlayable(rec, aacFrameMs);
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '44100' });
  });

  it.each([44100, 22050])('MP3 only at %i Hz (MPEG-1 and MPEG-2 audio)', async (rate) => {
    const flvPath = join(root, `mp3-${rate}.flv`);
    await run('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${rate}`, '-t', '3'],
      ...['-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'flv', flvPath],
    ]);
    const { packets } = flvToPackets(await readFile(flvPath));
    const config = packets[0]!.config as TsTracks['audio'];
    const rec = await record(`mp3-${rate}`, [{ tracks: { audio: config }, packets }], 1000);
    const [audio] = await expectPlayable(rec, ((rate < 32000 ? 576 : 1152) * 1000) / rate);
    expect(audio).toMatchObject({ codec_name: 'mp3', sample_rate: String(rate) });
  });

  it('HEVC only: VPS/SPS/PPS from the hvcC before every keyframe', async () => {
    const push = await hevcPush(join(root, 'in.hevc'));
    const rec = await record('hevc', [push], 1000);
    expect(rec.segments.length).toBe(3);
    const [video] = await expectPlayable(rec, VIDEO_FRAME_MS);
    expect(video).toMatchObject({ codec_name: 'hevc', width: 320, height: 240 });
  });

  it('two pushes joined by a discontinuity (packet timestamps restarting at 0) play through', async () => {
    const first = await flvPush({ seconds: 3, bframes: true });
    const second = await flvPush({ seconds: 2, bframes: true });
    const rec = await record('joined', [first, second]);
    expect(rec.segments.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(await readFile(rec.playlist, 'utf8')).toMatch(
      /#EXTINF:[\d.]+,\nseg-1.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:[\d.]+,\nseg-2.ts/,
    );
    await expectPlayable(rec, VIDEO_FRAME_MS);
  });
});

/**
 * HEVC packets as an enhanced-RTMP ingest would deliver them (ffmpeg 5.1 cannot write HEVC in FLV):
 * x265's Annex B output with an AUD per access unit, split into length-prefixed frames without
 * AUD or parameter sets (those go to a hand-built hvcC), at 30 fps with no B-frames.
 */
async function hevcPush(path: string): Promise<Push> {
  await run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30', '-t', '3', '-c:v', 'libx265'],
    ...[
      '-preset',
      'ultrafast',
      '-x265-params',
      'aud=1:bframes=0:keyint=30:log-level=error',
      '-f',
      'hevc',
      path,
    ],
  ]);
  const parameterSets = new Map<number, Buffer>();
  const accessUnits: Buffer[][] = [];
  for (const nal of splitAnnexB(await readFile(path))) {
    const type = (nal[0]! >> 1) & 0x3f;
    if (type === 35) accessUnits.push([]);
    else if (type >= 32 && type <= 34) parameterSets.set(type, nal);
    else accessUnits.at(-1)!.push(nal);
  }
  const header = Buffer.alloc(23);
  header[0] = 1;
  header[21] = 0xf0 | 3; // 4-byte NAL lengths
  header[22] = parameterSets.size;
  const arrays = [...parameterSets].flatMap(([type, nal]) => [
    Buffer.from([0x80 | type, 0, 1]),
    u16(nal.length),
    nal,
  ]);
  const record = Buffer.concat([header, ...arrays]);
  const config: VideoConfig = {
    ...{ kind: 'video', codec: 'hevc', record, tag: record, codecString: 'hvc1.1.6.L60.B0' },
    ...{ width: 320, height: 240, profile: 1, level: 60, frameRate: 30 },
  };
  const packets = accessUnits.map((nals, i): MediaPacket => {
    const data = Buffer.concat(nals.flatMap((n) => [u16(0), u16(n.length), n]));
    const keyframe = nals.some((n) => ((n[0]! >> 1) & 0x3f) >= 16 && ((n[0]! >> 1) & 0x3f) <= 21);
    const t = (i * 1000) / 30;
    return { kind: 'video', dts: t, pts: t, keyframe, data, tag: data, config };
  });
  return { tracks: { video: config }, packets };
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function splitAnnexB(stream: Buffer): Buffer[] {
  const startCode = Buffer.from([0, 0, 1]);
  const nals: Buffer[] = [];
  let start = stream.indexOf(startCode);
  while (start >= 0) {
    const from = start + 3;
    const next = stream.indexOf(startCode, from);
    let end = next < 0 ? stream.length : next;
    while (end > from && stream[end - 1] === 0) end--; // the leading zero of a 4-byte start code
    nals.push(stream.subarray(from, end));
    start = next;
  }
  return nals;
}
