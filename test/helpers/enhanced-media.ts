/**
 * Enhanced RTMP test media: HEVC or AV1 with AAC, encoded by ffmpeg into MP4, read back packet by
 * packet with ffprobe as the reference demuxer, and turned into the tags an Enhanced RTMP encoder
 * (OBS 29+, ffmpeg 6.1+) sends: FourCC video tags (`hvc1`, `av01`) and legacy AAC audio tags.
 */
import { readFile } from 'node:fs/promises';
import { cachedFfmpegOutput } from './media-cache.js';
import { run } from './process.js';
import type { Tag } from './tag-push.js';

export type EnhancedCodec = 'hevc' | 'av1';

export interface EnhancedMediaOptions {
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  /** Keyframe interval in frames. */
  readonly gop: number;
}

export interface EnhancedMedia {
  /** The MP4 the tags were cut from. */
  readonly source: string;
  /** Coded video frames, sequence start left out: what a decoder of a faithful recording counts. */
  readonly videoFrames: number;
  /** Sequence starts first, then audio and video interleaved by decode time. */
  readonly tags: Tag[];
}

const FPS = 30;

const VIDEO_ENCODERS: Readonly<Record<EnhancedCodec, (gop: number) => string[]>> = {
  // B-frames on (x265's default), so frames carry non-zero composition times.
  hevc: (gop) => ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', `keyint=${gop}:log-level=error`],
  av1: (gop) => ['-c:v', 'libsvtav1', '-preset', '12', '-g', String(gop)],
};

const FOURCC: Readonly<Record<EnhancedCodec, string>> = { hevc: 'hvc1', av1: 'av01' };

// Enhanced RTMP v1 (veovera enhanced-rtmp): IsExHeader bit, FrameType in bits 4-6, PacketType below.
const EX_HEADER = 0x80;
const FRAME_KEY = 1;
const FRAME_INTER = 2;
const PACKET_SEQUENCE_START = 0;
const PACKET_CODED_FRAMES = 1;
const PACKET_CODED_FRAMES_X = 3;
/** Legacy FLV audio byte for AAC: SoundFormat 10, 44 kHz, 16-bit, stereo. */
const AAC_SOUND_BYTE = 0xaf;

export async function enhancedMedia(
  codec: EnhancedCodec,
  opts: EnhancedMediaOptions,
): Promise<EnhancedMedia> {
  const source = await cachedFfmpegOutput(
    [
      ...['-f', 'lavfi', '-i', `testsrc2=size=${opts.width}x${opts.height}:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(opts.seconds), ...VIDEO_ENCODERS[codec](opts.gop), '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-b:a', '64k', '-f', 'mp4'],
    ],
    'mp4',
  );
  const { streams, packets } = await probePackets(source);
  const file = await readFile(source);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  if (!video || !audio) throw new Error(`${source} lacks a video or an audio stream`);

  const seconds = (p: ProbedPacket, value: number) => value * timeBase(streams[p.stream_index]!.time_base);
  const start = Math.min(...packets.map((p) => seconds(p, p.dts)));
  const ms = (p: ProbedPacket, value: number) => Math.round((seconds(p, value) - start) * 1000);

  const fourCc = Buffer.from(FOURCC[codec], 'latin1');
  const tags: Tag[] = [
    { type: 9, timestamp: 0, body: exVideo(FRAME_KEY, PACKET_SEQUENCE_START, fourCc, extradata(video)) },
    { type: 8, timestamp: 0, body: Buffer.concat([Buffer.of(AAC_SOUND_BYTE, 0), extradata(audio)]) },
  ];
  let videoFrames = 0;
  for (const p of packets) {
    const data = file.subarray(Number(p.pos), Number(p.pos) + Number(p.size));
    const timestamp = ms(p, p.dts);
    if (p.stream_index === audio.index) {
      tags.push({ type: 8, timestamp, body: Buffer.concat([Buffer.of(AAC_SOUND_BYTE, 1), data]) });
      continue;
    }
    videoFrames++;
    const frameType = p.flags.startsWith('K') ? FRAME_KEY : FRAME_INTER;
    const cts = ms(p, p.pts) - timestamp;
    // HEVC frames carry an SI24 composition time, or use CodedFramesX when it is 0; AV1 has none.
    const body =
      codec === 'hevc' && cts !== 0
        ? exVideo(frameType, PACKET_CODED_FRAMES, fourCc, si24(cts), data)
        : exVideo(frameType, codec === 'hevc' ? PACKET_CODED_FRAMES_X : PACKET_CODED_FRAMES, fourCc, data);
    tags.push({ type: 9, timestamp, body });
  }
  // Stable: the sequence starts stay ahead of the frames that share their timestamp.
  tags.sort((a, b) => a.timestamp - b.timestamp);
  return { source, videoFrames, tags };
}

function exVideo(frameType: number, packetType: number, fourCc: Buffer, ...payload: Buffer[]): Buffer {
  return Buffer.concat([Buffer.of(EX_HEADER | (frameType << 4) | packetType), fourCc, ...payload]);
}

function si24(value: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeIntBE(value, 0, 3);
  return b;
}

interface ProbedStream {
  index: number;
  codec_type: string;
  time_base: string;
  extradata?: string;
}

interface ProbedPacket {
  stream_index: number;
  pts: number;
  dts: number;
  flags: string;
  pos: string;
  size: string;
}

async function probePackets(path: string): Promise<{ streams: ProbedStream[]; packets: ProbedPacket[] }> {
  const r = await run('ffprobe', [
    ...['-v', 'error', '-of', 'json', '-show_data'],
    ...[
      '-show_entries',
      'stream=index,codec_type,time_base,extradata:packet=stream_index,pts,dts,flags,pos,size',
    ],
    path,
  ]);
  if (r.code !== 0) throw new Error(`ffprobe failed on ${path}: ${r.stderr}`);
  return JSON.parse(r.stdout) as { streams: ProbedStream[]; packets: ProbedPacket[] };
}

function timeBase(text: string): number {
  const [num, den] = text.split('/').map(Number);
  return num! / den!;
}

/**
 * The codec configuration record (hvcC, av1C, AudioSpecificConfig) from ffprobe's hex dump, whose
 * lines read `00000010: 0101 6000 …  ascii`: 39 characters of hex groups after the offset.
 */
function extradata(stream: ProbedStream): Buffer {
  const lines = (stream.extradata ?? '').split('\n').filter((line) => /^[0-9a-f]{8}: /.test(line));
  if (lines.length === 0) throw new Error(`stream ${stream.index} has no extradata`);
  return Buffer.from(lines.map((line) => line.slice(10, 49).replaceAll(' ', '')).join(''), 'hex');
}
