import { expect } from 'vitest';
import { cachedFfmpegOutput } from './media-cache.js';
import { type RunResult, run } from './process.js';
import type { TestServer } from './server.js';

/** H.264 720p30 + AAC, 30 s, a keyframe every 2 s (as an encoder sends it): 900 video frames. */
export function avSource(): Promise<string> {
  return cachedFfmpegOutput(
    [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', '30', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60'],
      ...['-b:v', '2500k', '-c:a', 'aac', '-b:a', '96k', '-f', 'flv'],
    ],
    'flv',
  );
}

/** The same video without its audio track. */
export async function videoOnlySource(): Promise<string> {
  return cachedFfmpegOutput(['-i', await avSource(), '-an', '-c', 'copy', '-f', 'flv'], 'flv');
}

/** Video packets in a file or HLS playlist, as ffprobe counts them. */
export async function videoPackets(path: string): Promise<number> {
  const r = await run(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v', '-count_packets'],
      ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path],
    ],
    { timeoutMs: 60_000 },
  );
  expect(r.code, `${path}: ${r.stderr}`).toBe(0);
  // An HLS playlist lists its stream once per program and once on its own: the first line is enough.
  return Number(r.stdout.trim().split('\n')[0]);
}

/**
 * ffmpeg pushing a file without -re (as fast as the connection takes it); resolves when it exited
 * successfully, with its output for callers that check more.
 */
export async function pushFast(
  t: TestServer,
  source: string,
  stream: string,
  query: string,
): Promise<RunResult> {
  const url = t.rtmpUrl('live', stream, query);
  const r = await run('ffmpeg', ['-v', 'error', '-i', source, '-c', 'copy', '-f', 'flv', url], {
    timeoutMs: 120_000,
  });
  expect(r.code, `ffmpeg push of ${stream}: ${r.stderr}`).toBe(0);
  return r;
}
