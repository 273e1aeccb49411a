/**
 * Test media made by ffmpeg once per distinct command and kept in the temp dir across runs, so a
 * suite pays for an encode only the first time.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './process.js';

const CACHE_DIR = join(tmpdir(), 'livetape-test-media');
const pending = new Map<string, Promise<string>>();

/**
 * Path of the file ffmpeg writes with `args` (inputs and encoding options, ending with `-f <format>`,
 * no output path); `extension` names the file only.
 */
export function cachedFfmpegOutput(args: readonly string[], extension: string): Promise<string> {
  const key = createHash('sha1').update(JSON.stringify(args)).digest('hex').slice(0, 16);
  const path = join(CACHE_DIR, `media-${key}.${extension}`);
  let result = pending.get(path);
  if (result === undefined) {
    result = generate(args, path);
    pending.set(path, result);
  }
  return result;
}

async function generate(args: readonly string[], path: string): Promise<string> {
  if (existsSync(path)) return path;
  await mkdir(CACHE_DIR, { recursive: true });
  // Written beside the final name and renamed, so parallel workers never read a half-written file.
  const partial = `${path}.${process.pid}.partial`;
  const r = await run('ffmpeg', ['-v', 'error', '-y', ...args, partial], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`ffmpeg failed making ${path}: ${r.stderr}`);
  await rename(partial, path);
  return path;
}

/**
 * H.264 + AAC FLV whose video is noisy enough to run at about `mbps` (so a stalled reader's buffers
 * fill within seconds), one keyframe at the start.
 */
export function noisyFlv(seconds: number, mbps: number): Promise<string> {
  return cachedFfmpegOutput(
    [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(seconds), '-vf', 'noise=alls=40:allf=t'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-bf', '0'],
      ...['-b:v', `${mbps}M`, '-maxrate', `${mbps}M`, '-bufsize', `${mbps / 2}M`],
      ...['-g', '100000', '-keyint_min', '100000', '-sc_threshold', '0'],
      ...['-c:a', 'aac', '-b:a', '64k', '-f', 'flv'],
    ],
    'flv',
  );
}
