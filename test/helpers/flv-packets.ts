/**
 * Test fixture: real FLV files made by ffmpeg (libx264 + aac), and their packets as the RTMP
 * ingest would produce them (through MediaPacketizer).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFlvTags } from '../../src/media/flv-file.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../../src/media/packet.js';
import { MediaPacketizer } from '../../src/media/packetizer.js';

const run = promisify(execFile);

export interface TestFlvOptions {
  readonly seconds: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** Keyframe interval in frames (default: one per second). */
  readonly gop?: number;
  readonly audio?: boolean;
  readonly video?: boolean;
  /** Use B-frames (main profile, 2 B-frames), so pts != dts; default false (baseline). */
  readonly bframes?: boolean;
}

const CACHE_DIR = join(tmpdir(), 'livetape-test-media');
const pending = new Map<string, Promise<string>>();

/** Path of an FLV made with the given options; generated once and cached across test runs. */
export function makeTestFlv(opts: TestFlvOptions): Promise<string> {
  const settings = {
    seconds: opts.seconds,
    width: opts.width ?? 320,
    height: opts.height ?? 240,
    fps: opts.fps ?? 30,
    gop: opts.gop ?? opts.fps ?? 30,
    audio: opts.audio ?? true,
    video: opts.video ?? true,
    bframes: opts.bframes ?? false,
  };
  if (!settings.audio && !settings.video) throw new Error('makeTestFlv needs audio or video');
  const key = createHash('sha1').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
  let result = pending.get(key);
  if (result === undefined) {
    result = generate(settings, join(CACHE_DIR, `flv-${key}.flv`));
    pending.set(key, result);
  }
  return result;
}

async function generate(s: Required<TestFlvOptions>, path: string): Promise<string> {
  if (existsSync(path)) return path;
  await mkdir(CACHE_DIR, { recursive: true });
  const args = ['-v', 'error', '-y'];
  if (s.video) args.push('-f', 'lavfi', '-i', `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`);
  if (s.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
  args.push('-t', String(s.seconds));
  if (s.video) {
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-g', String(s.gop));
    args.push('-keyint_min', String(s.gop), '-sc_threshold', '0');
    args.push(...(s.bframes ? ['-profile:v', 'main', '-bf', '2'] : ['-profile:v', 'baseline', '-bf', '0']));
  }
  if (s.audio) args.push('-c:a', 'aac', '-b:a', '64k', '-ac', '2');
  // Write beside the final name and rename, so parallel workers never read a half-written file.
  const partial = `${path}.${process.pid}.partial`;
  args.push('-f', 'flv', partial);
  await run('ffmpeg', args);
  await rename(partial, path);
  return path;
}

/** Feeds every audio/video tag of an FLV file through a MediaPacketizer. */
export function flvToPackets(buf: Buffer): {
  packets: MediaPacket[];
  videoConfig?: VideoConfig;
  audioConfig?: AudioConfig;
} {
  const packetizer = new MediaPacketizer();
  const packets: MediaPacket[] = [];
  for (const { type, timestamp, body } of readFlvTags(buf)) {
    const out =
      type === 9
        ? packetizer.video(timestamp, body)
        : type === 8
          ? packetizer.audio(timestamp, body)
          : undefined;
    if (out !== undefined && 'kind' in out) packets.push(out);
  }
  const result: ReturnType<typeof flvToPackets> = { packets };
  if (packetizer.videoConfig) result.videoConfig = packetizer.videoConfig;
  if (packetizer.audioConfig) result.audioConfig = packetizer.audioConfig;
  return result;
}
