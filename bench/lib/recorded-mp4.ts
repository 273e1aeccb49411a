/**
 * The file `bench:serve` serves: an MP4 recorded by LiveTape itself from a ~50 MB push, made once and
 * cached, so the benchmark reads exactly what players would fetch.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { run, waitFor } from '../../test/helpers/process.js';
import { LiveTapeServer } from './livetape-server.js';
import { CACHE_DIR } from './paths.js';

const SOURCE = join(CACHE_DIR, 'media', 'serve-480p-6500k-60s.flv');
export const RECORDED_MP4 = join(CACHE_DIR, 'media', 'serve-recorded-50mb.mp4');

export async function ensureRecordedMp4(workDir: string): Promise<string> {
  if (existsSync(RECORDED_MP4)) return RECORDED_MP4;
  await mkdir(join(CACHE_DIR, 'media'), { recursive: true });
  await encodeSource();
  process.stderr.write(`recording it through LiveTape into ${RECORDED_MP4}…\n`);
  const server = await LiveTapeServer.start({ dataDir: join(workDir, 'record-once') });
  try {
    const push = await run(
      'ffmpeg',
      [
        '-hide_banner',
        '-v',
        'error',
        '-i',
        SOURCE,
        '-c',
        'copy',
        '-f',
        'flv',
        server.rtmpUrl('bench', 'record=mp4&record_interval=5400'),
      ],
      { timeoutMs: 300_000 },
    );
    if (push.code !== 0) throw new Error(`pushing the benchmark media failed:\n${push.stderr}`);
    const file = await waitFor(
      async () => (await server.listRecordings()).find((r) => r.stream === 'bench' && r.format === 'mp4'),
      60_000,
      'the MP4 recording to be cataloged',
    );
    const partial = `${RECORDED_MP4}.partial`;
    await copyFile(join(server.dataDir, 'media', file.storageKey), partial);
    await rename(partial, RECORDED_MP4);
  } finally {
    await server.stop();
  }
  return RECORDED_MP4;
}

/** 60 s of noisy 480p at a constant ~6.5 Mbit/s plus AAC: about 50 MB. */
async function encodeSource(): Promise<void> {
  if (existsSync(SOURCE)) return;
  process.stderr.write(`encoding the serve benchmark source once into ${SOURCE} (about a minute)…\n`);
  const partial = `${SOURCE}.partial`;
  // biome-ignore format: one ffmpeg option per pair reads best
  const args = [
    '-hide_banner', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=30',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '60', '-vf', 'noise=alls=30:allf=t',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60',
    '-b:v', '6500k', '-minrate', '6500k', '-maxrate', '6500k', '-bufsize', '6500k', '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-b:a', '128k',
    '-f', 'flv', partial,
  ];
  const result = await run('ffmpeg', args, { timeoutMs: 600_000 });
  if (result.code !== 0) throw new Error(`encoding the serve benchmark source failed:\n${result.stderr}`);
  await rename(partial, SOURCE);
}
