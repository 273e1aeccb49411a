/**
 * `npx tsx bench/snapshot-cpu.ts`: the CPU (user + sys of ffmpeg, from `/usr/bin/time`) that the
 * snapshot decoder as built (src/snapshot/frame-decoder.ts) spends per picture: one long-lived
 * ffmpeg fed the keyframes of a 720p H.264 stream (`--baseline`: without B-frames), each JPEG scaled
 * to 640x360. Runs the decoder twice in one run — with the SPS declared without reordering (as built) and
 * without that rewrite (before it) — 3 times each, the medians printed; the method of
 * docs/decisions/0011-snapshots.md.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { VideoConfig } from '../src/media/packet.js';
import { FrameDecoder, MAX_PICTURES_IN_FLIGHT } from '../src/snapshot/frame-decoder.js';
import { flvToPackets, makeTestFlv } from '../test/helpers/flv-packets.js';
import { positiveInt, runMain } from './lib/cli.js';

const { values: args } = parseArgs({
  options: {
    pictures: { type: 'string' },
    runs: { type: 'string' },
    baseline: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const pictures = positiveInt('pictures', args.pictures, 21);
  const runs = positiveInt('runs', args.runs, 3);
  const bframes = !args.baseline;
  const flv = await makeTestFlv({ seconds: pictures, width: 1280, height: 720, fps: 30, gop: 30, bframes });
  const keyframes = flvToPackets(await readFile(flv)).packets.filter((p) => p.kind === 'video' && p.keyframe);
  const dir = await mkdtemp(join(tmpdir(), 'livetape-bench-snapshot-'));
  try {
    const times = join(dir, 'time');
    const wrapper = join(dir, 'ffmpeg');
    await writeFile(wrapper, `#!/bin/sh\nexec /usr/bin/time -f '%U %S' -o '${times}' ffmpeg "$@"\n`);
    await chmod(wrapper, 0o755);
    for (const declareNoReorder of [false, true]) {
      const perPicture: number[] = [];
      for (let run = 0; run < runs; run++) {
        await rm(times, { force: true });
        const decoder = new FrameDecoder({ command: wrapper, width: 640, height: 360, declareNoReorder });
        const jpegs: Promise<unknown>[] = [];
        for (const keyframe of keyframes.slice(0, pictures)) {
          // As many in flight as the decoder takes, so a decoder whose pictures lag a keyframe is measured too.
          if (decoder.busy) await jpegs[jpegs.length - MAX_PICTURES_IN_FLIGHT];
          jpegs.push(decoder.decode(keyframe.config as VideoConfig, keyframe));
        }
        decoder.close();
        await Promise.all(jpegs);
        const [user, sys] = (await waitForFile(times)).trim().split(/\s+/).map(Number);
        const cpu = user! + sys!;
        perPicture.push((cpu * 1000) / pictures);
        console.log(`run ${run + 1}: ${pictures} pictures, ffmpeg user+sys ${cpu.toFixed(2)} s`);
      }
      const median = [...perPicture].sort((a, b) => a - b)[Math.floor(runs / 2)]!;
      console.log(
        `${bframes ? 'Main profile with B-frames' : 'Baseline'}, ` +
          `${declareNoReorder ? 'SPS rewritten (as built)' : 'SPS as sent (before)'}: ` +
          `${median.toFixed(1)} ms CPU per picture (median), ` +
          `${((median * 6) / 1000).toFixed(3)} CPU-s per stream-minute at SNAPSHOT_INTERVAL=10`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `/usr/bin/time` writes its line when ffmpeg has exited (the decoder closes it without waiting). */
async function waitForFile(path: string): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const text = await readFile(path, 'utf8').catch(() => '');
    if (text.trim() !== '') return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${path} was not written`);
}

runMain(main);
