/**
 * The benchmark's source media: 60 s of 720p30 H.264 at ~2.5 Mbps plus AAC, encoded once by ffmpeg and
 * cached, then split into what a publisher sends once (metadata, sequence headers) and what it loops.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeAmf0 } from '../../src/amf/amf0.js';
import type { AmfObject } from '../../src/amf/value.js';
import { readFlvTags } from '../../src/media/flv-file.js';
import { run } from '../../test/helpers/process.js';
import { CACHE_DIR } from './paths.js';

const MEDIA_FPS = 30;
const MEDIA_SECONDS = 60;
const GOP_FRAMES = 60;
const MEDIA_FILE = join(CACHE_DIR, 'media', `720p${MEDIA_FPS}-2500k-${GOP_FRAMES}g-${MEDIA_SECONDS}s.flv`);

export interface MediaTag {
  kind: 'audio' | 'video';
  /** Milliseconds from the start of the loop. */
  timestamp: number;
  body: Buffer;
  keyframe: boolean;
}

export interface BenchMedia {
  metadata: AmfObject;
  /** AVC and AAC sequence headers: sent once per push, not per loop. */
  headers: MediaTag[];
  /** Coded frames in send order; looping them with `periodMs` added per loop continues the timeline. */
  frames: MediaTag[];
  periodMs: number;
  /** Milliseconds between keyframes. */
  gopMs: number;
  /** Video + audio tag bytes of one full GOP, what a GOP cache holds just before the next keyframe. */
  gopBytes: number;
  bitrate: number;
}

/** Encodes the media unless it is cached; writes to a temporary name first so a killed run leaves no stub. */
async function ensureMediaFile(): Promise<string> {
  if (existsSync(MEDIA_FILE)) return MEDIA_FILE;
  await mkdir(join(CACHE_DIR, 'media'), { recursive: true });
  const partial = `${MEDIA_FILE}.partial`;
  process.stderr.write(`encoding the benchmark media once into ${MEDIA_FILE} (about a minute)…\n`);
  // biome-ignore format: one ffmpeg option per pair reads best
  const args = [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${MEDIA_FPS}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(MEDIA_SECONDS),
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-b:v', '2500k', '-maxrate', '2500k', '-bufsize', '5000k',
    // A fixed GOP, as streaming encoders (OBS "keyframe interval") are set up.
    '-g', String(GOP_FRAMES), '-keyint_min', String(GOP_FRAMES), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2',
    '-f', 'flv', partial,
  ];
  const result = await run('ffmpeg', args, { timeoutMs: 600_000 });
  if (result.code !== 0) throw new Error(`ffmpeg could not encode the benchmark media: ${result.stderr}`);
  await rename(partial, MEDIA_FILE);
  return MEDIA_FILE;
}

/** Legacy FLV AVC and AAC carry a packet type in their second byte. */
const PACKET_TYPE_SEQUENCE_HEADER = 0;
const AVC_END_OF_SEQUENCE = 2;

export async function loadBenchMedia(): Promise<BenchMedia> {
  const file = await readFile(await ensureMediaFile());
  let metadata: AmfObject = {};
  const headers: MediaTag[] = [];
  const tags: MediaTag[] = [];
  for (const tag of readFlvTags(file)) {
    if (tag.type === 18) {
      const [name, value] = decodeAmf0(tag.body);
      if (name === 'onMetaData' && typeof value === 'object' && value !== null) {
        // A live encoder knows neither the duration nor the size of what it is about to send.
        const { duration: _duration, filesize: _filesize, ...live } = value as AmfObject;
        metadata = live;
      }
      continue;
    }
    const kind = tag.type === 9 ? 'video' : 'audio';
    const packetType = tag.body[1];
    // An encoder ends its stream once, at the very end: never inside the loop.
    if (kind === 'video' && packetType === AVC_END_OF_SEQUENCE) continue;
    const media = {
      kind,
      timestamp: tag.timestamp,
      body: tag.body,
      keyframe: kind === 'video' && tag.body[0]! >> 4 === 1,
    } as const;
    (packetType === PACKET_TYPE_SEQUENCE_HEADER ? headers : tags).push(media);
  }
  const video = tags.filter((f) => f.kind === 'video');
  const keyframes = video.filter((f) => f.keyframe);
  if (
    video.length < 2 ||
    keyframes.length < 3 ||
    !keyframes[0] ||
    keyframes[0].timestamp !== video[0]!.timestamp
  ) {
    throw new Error(`${MEDIA_FILE} is not the expected media (delete it to re-encode)`);
  }
  const lastTs = video.at(-1)!.timestamp;
  const periodMs = Math.round(lastTs + lastTs / (video.length - 1));
  // The audio runs a few frames past the last picture; dropped so that timestamps keep rising across loops.
  const frames = tags.filter((t) => t.timestamp < periodMs);
  const gopStart = keyframes[1]!.timestamp;
  const gopEnd = keyframes[2]!.timestamp;
  let gopBytes = 0;
  for (const f of frames) if (f.timestamp >= gopStart && f.timestamp < gopEnd) gopBytes += f.body.length;
  const totalBytes = frames.reduce((sum, f) => sum + f.body.length, 0);
  return {
    metadata,
    headers,
    frames,
    periodMs,
    gopMs: gopEnd - gopStart,
    gopBytes,
    bitrate: (totalBytes * 8 * 1000) / periodMs,
  };
}
