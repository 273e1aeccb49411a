/**
 * `npm run bench:clip`: the time to cut a 5-minute clip out of a 2-hour MP4 (or, with `--format hls`, HLS)
 * recording with `ClipMaker` (read the sample tables — for HLS, demux the segments the clip needs into a
 * sample file —, plan, copy the samples, catalog the clip), repeated, plus a check that the clip decodes.
 * The 2-hour source is one minute of ffmpeg test video looped with `-c copy` (H.264 with B-frames + AAC),
 * and for HLS that file cut into 4 s MPEG-TS segments with `-c copy`; both cached in bench/.cache.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openCatalog } from '../src/catalog/db.js';
import { ClipMaker } from '../src/clip/clip-maker.js';
import { mediaFilesOf } from '../src/storage/media-files.js';
import { MediaStore } from '../src/storage/media-store.js';
import { run } from '../test/helpers/process.js';
import { positiveInt, runMain, withWorkDir } from './lib/cli.js';
import { CACHE_DIR } from './lib/paths.js';
import { fixed, machineDescription, markdownTable, median, mib, saveResults } from './lib/report.js';

const USAGE = `tsx bench/clip.ts [options]
  --hours N       length of the source recording (default 2)
  --minutes N     length of the clip (default 5)
  --runs N        clips cut, each from a different place (default 5)
  --format F      the source recording's format: mp4 or hls (default mp4)
  --keep          keep the work folder`;

const { values: args } = parseArgs({
  options: {
    hours: { type: 'string' },
    minutes: { type: 'string' },
    runs: { type: 'string' },
    format: { type: 'string', default: 'mp4' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

async function ffmpeg(argv: string[], output: string): Promise<void> {
  if (existsSync(output)) return;
  const partial = `${output}.partial.mp4`;
  const r = await run('ffmpeg', ['-v', 'error', '-y', ...argv, partial], { timeoutMs: 3_600_000 });
  if (r.code !== 0) throw new Error(`ffmpeg failed making ${output}: ${r.stderr}`);
  await rename(partial, output);
}

/** A fast-start MP4 of `hours` hours: 640x360 30 fps H.264 (B-frames, a keyframe every 2 s) + AAC. */
async function sourceRecording(hours: number): Promise<string> {
  await mkdir(CACHE_DIR, { recursive: true });
  const minute = join(CACHE_DIR, 'clip-source-1min.mp4');
  await ffmpeg(
    [
      ...['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440'],
      ...['-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '60', '-b:v', '1M'],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k'],
    ],
    minute,
  );
  const long = join(CACHE_DIR, `clip-source-${hours}h.mp4`);
  await ffmpeg(
    ['-stream_loop', String(hours * 60 - 1), '-i', minute, '-c', 'copy', '-movflags', '+faststart'],
    long,
  );
  return long;
}

/** The MP4 source cut into 4 s MPEG-TS segments (a keyframe every 2 s), as a folder with `index.m3u8`. */
async function hlsRecording(mp4: string, hours: number): Promise<{ folder: string; bytes: number }> {
  const folder = join(CACHE_DIR, `clip-source-${hours}h-hls`);
  const playlist = join(folder, 'index.m3u8');
  if (!existsSync(playlist)) {
    const partial = `${folder}.partial`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    const r = await run(
      'ffmpeg',
      [
        ...['-v', 'error', '-i', mp4, '-c', 'copy'],
        ...['-f', 'hls', '-hls_time', '4', '-hls_playlist_type', 'vod'],
        ...['-hls_segment_filename', join(partial, 'seg%05d.ts'), join(partial, 'index.m3u8')],
      ],
      { timeoutMs: 3_600_000 },
    );
    if (r.code !== 0) throw new Error(`ffmpeg failed making ${folder}: ${r.stderr}`);
    await rename(partial, folder);
  }
  let bytes = 0;
  for (const name of await readdir(folder)) bytes += (await stat(join(folder, name))).size;
  return { folder, bytes };
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const hours = positiveInt('hours', args.hours, 2);
  const minutes = positiveInt('minutes', args.minutes, 5);
  const runs = positiveInt('runs', args.runs, 5);
  const format = args.format;
  if (format !== 'mp4' && format !== 'hls') throw new Error(`--format must be mp4 or hls, not ${format}`);
  const mp4 = await sourceRecording(hours);
  const hls = format === 'hls' ? await hlsRecording(mp4, hours) : undefined;
  const sourceBytes = hls ? hls.bytes : (await stat(mp4)).size;
  await withWorkDir(args.keep, async (dir) => {
    const catalog = await openCatalog({ dataDir: dir });
    const store = new MediaStore(join(dir, 'media'));
    await mkdir(join(dir, 'media', 'live', 'bench'), { recursive: true });
    const key = hls ? 'live/bench/source/index.m3u8' : 'live/bench/source.mp4';
    await run('ln', ['-s', hls ? hls.folder : mp4, store.pathOf(hls ? 'live/bench/source' : key)]);
    const now = Date.now();
    await catalog.recordings.insertOpen({
      id: '1000000000000000001',
      app: 'live',
      stream: 'bench',
      format,
      storageKey: key,
      startTime: now,
      sessionId: 'bench',
      broadcastId: 'bench',
      mediaStartMs: 0,
    });
    const durationMs = hours * 3_600_000;
    await catalog.recordings.finish('1000000000000000001', {
      endTime: now + durationMs,
      sizeBytes: sourceBytes,
      durationMs,
      reason: 'unpublish',
    });
    const maker = new ClipMaker({ catalog, store, files: mediaFilesOf(store, undefined) });
    const times: number[] = [];
    let clipBytes = 0;
    let lastClip = '';
    for (let i = 0; i < runs; i++) {
      // Spread over the recording, each starting between two frames.
      const startMs = Math.round(((i + 0.5) / runs) * (durationMs - minutes * 60_000)) + 17;
      const began = performance.now();
      const row = await maker.make({
        recordingId: '1000000000000000001',
        startMs,
        endMs: startMs + minutes * 60_000,
      });
      times.push(performance.now() - began);
      clipBytes = row.sizeBytes;
      lastClip = store.pathOf(row.storageKey);
    }
    const decode = await run('ffmpeg', ['-v', 'error', '-i', lastClip, '-f', 'null', '-'], {
      timeoutMs: 600_000,
    });
    await catalog.close();
    const result = {
      machine: machineDescription(),
      sourceFormat: format,
      sourceHours: hours,
      sourceMiB: Number(mib(sourceBytes)),
      clipMinutes: minutes,
      clipMiB: Number(mib(clipBytes)),
      runsMs: times.map((t) => Math.round(t)),
      medianMs: Math.round(median(times)),
      clipDecodesClean: decode.code === 0 && decode.stderr === '',
    };
    console.log(
      markdownTable(
        ['source', 'clip', 'runs (ms)', 'median', 'clip decodes clean'],
        [
          [
            `${hours} h ${format.toUpperCase()}, ${result.sourceMiB} MiB`,
            `${minutes} min, ${result.clipMiB} MiB`,
            result.runsMs.join(', '),
            `**${fixed(result.medianMs / 1000)} s**`,
            String(result.clipDecodesClean),
          ],
        ],
      ),
    );
    console.log(`\nsaved ${await saveResults('clip', result)}`);
  });
}

runMain(main);
