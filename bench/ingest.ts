/**
 * `npm run bench:ingest`: N real-time 720p30 pushes, each with an HTTP-FLV player, measured in a LiveTape
 * child process; optionally against nginx-rtmp in the same run, a search for the largest clean stream
 * count, or the memory an idle GOP-cached stream costs. See docs/benchmarks.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from '../test/helpers/process.js';
import { type BenchMedia, loadBenchMedia } from './lib/bench-media.js';
import { positiveInt, printProfiles, runDir, runMain, withWorkDir } from './lib/cli.js';
import { LiveTapeServer } from './lib/livetape-server.js';
import { connectPublishers, pacePublishers } from './lib/paced-publishers.js';
import { CACHE_DIR } from './lib/paths.js';
import { sampleProcessTree } from './lib/proc-stats.js';
import {
  failureLines,
  fixed,
  machineDescription,
  markdownTable,
  median,
  medianResult,
  mib,
  resultTable,
  saveResults,
} from './lib/report.js';
import {
  type BenchServer,
  isLossless,
  keptRealTime,
  MAX_REALTIME_LAG_MS,
  runScenario,
  type Scenario,
  type ScenarioResult,
  streamName,
} from './lib/scenario.js';
import { liveTapePlayback, liveTapeRecording, nginxRecording } from './lib/scenarios.js';

const USAGE = `tsx bench/ingest.ts [options]
  --streams N       concurrent pushes (default 20)
  --seconds S       media seconds per push (default 60)
  --players P       HTTP-FLV players per stream (default 1)
  --vs nginx-rtmp   also run LiveTape ingest + record=flv and nginx-rtmp ingest + record all, same load
  --repeat R        rounds of every scenario, interleaved; medians are reported (default 1)
  --find-max        raise --streams by --step (default 20) up to --max (default 200) until frames are lost
  --idle-gop        memory per stream whose GOP is cached while the push sends nothing
  --profile         run LiveTape under node --cpu-prof and print the top self-time functions
  --server-root D   run the LiveTape server from checkout D (e.g. a \`git archive\` of a commit)
  --keep            keep the temporary folder (recordings, nginx logs)`;

/** Thresholds from the issue. */
const TARGET_CPU_PER_STREAM_MINUTE = 0.4;
const TARGET_STREAMS = 100;
const TARGET_IDLE_BYTES_BEYOND_GOP = 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string' },
    seconds: { type: 'string' },
    players: { type: 'string' },
    vs: { type: 'string' },
    repeat: { type: 'string' },
    'find-max': { type: 'boolean', default: false },
    step: { type: 'string' },
    max: { type: 'string' },
    'idle-gop': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'server-root': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

async function compare(media: BenchMedia, workDir: string): Promise<void> {
  if (args.vs !== undefined && args.vs !== 'nginx-rtmp')
    throw new Error(`--vs only knows nginx-rtmp, not "${args.vs}"`);
  const streams = positiveInt('streams', args.streams, 20);
  const seconds = positiveInt('seconds', args.seconds, 60);
  const repeat = positiveInt('repeat', args.repeat, 1);
  const profileDir = args.profile ? join(CACHE_DIR, 'profiles', `ingest-${Date.now()}`) : undefined;
  const scenarios: Scenario<BenchServer, unknown>[] = [
    liveTapePlayback({ profileDir: profileDir && join(profileDir, 'playback'), root: args['server-root'] }),
  ];
  if (args.vs)
    scenarios.push(
      liveTapeRecording({
        formats: ['flv'],
        media,
        seconds,
        profileDir: profileDir && join(profileDir, 'record-flv'),
        root: args['server-root'],
      }),
      nginxRecording(),
    );
  const options = { streams, seconds, playersPerStream: positiveInt('players', args.players, 1), media };

  console.log(`# bench:ingest — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  const rounds: ScenarioResult[][] = [];
  for (let round = 1; round <= repeat; round++) {
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      process.stderr.write(
        `round ${round}/${repeat}: ${scenario.label}, ${streams} streams × ${seconds} s…\n`,
      );
      results.push((await runScenario(scenario, await runDir(workDir), options)).result);
    }
    rounds.push(results);
    console.log(`## Round ${round}\n\n${resultTable(results)}\n`);
    for (const line of failureLines(results)) console.log(`FAILURES ${line}`);
  }
  const medians = scenarios.map((_, i) => medianResult(rounds.map((r) => r[i]!)));
  if (repeat > 1) console.log(`## Median of ${repeat} rounds\n\n${resultTable(medians)}\n`);
  if (args.vs) printRatios(rounds);
  printTargets(medians[0]!, streams);
  if (profileDir) await printProfiles(profileDir);
  console.log(`\nraw figures: ${await saveResults('ingest', rounds)}`);
}

/** LiveTape ÷ nginx-rtmp for each round (measured back to back under the same machine load), and their median. */
function printRatios(rounds: ScenarioResult[][]): void {
  const rows: Array<Array<string | number>> = [];
  for (const [i, label] of [
    [0, 'ingest + HTTP-FLV player'],
    [1, 'ingest + record flv'],
  ] as const) {
    const cpu = rounds.map((r) => r[i]!.cpuPerStreamMinute / r[2]!.cpuPerStreamMinute);
    const rss = rounds.map((r) => r[i]!.rssPerStreamBytes / r[2]!.rssPerStreamBytes);
    rows.push([
      label,
      cpu.map((x) => fixed(x)).join(', '),
      fixed(median(cpu)),
      rss.map((x) => fixed(x)).join(', '),
      fixed(median(rss)),
    ]);
  }
  console.log(
    `## LiveTape ÷ nginx-rtmp (ingest + record flv), same run\n\n${markdownTable(
      ['LiveTape scenario', 'CPU ratio per round', 'CPU median', 'RSS/stream ratio per round', 'RSS median'],
      rows,
    )}\n`,
  );
}

function printTargets(playback: ScenarioResult, streams: number): void {
  const cpu = playback.cpuPerStreamMinute;
  console.log('## Targets\n');
  console.log(
    `- ingest + 1 HTTP-FLV player ≤ ${TARGET_CPU_PER_STREAM_MINUTE} CPU-s per stream-minute: ${cpu <= TARGET_CPU_PER_STREAM_MINUTE ? 'MET' : 'MISSED'} (${fixed(cpu, 3)})`,
  );
  if (streams >= TARGET_STREAMS) {
    console.log(
      `- ≥ ${TARGET_STREAMS} streams with no frame loss, in real time: ${isLossless(playback) && keptRealTime(playback) ? 'MET' : 'MISSED'} (${streams} streams, ${playback.frameLoss} frames lost, worst push lag ${Math.round(playback.maxPusherLagMs)} ms, slowest /healthz ${Math.round(playback.maxProbeMs)} ms)`,
    );
  }
}

async function findMax(media: BenchMedia, workDir: string): Promise<void> {
  const first = positiveInt('streams', args.streams, 20);
  const step = positiveInt('step', args.step, 20);
  const max = positiveInt('max', args.max, 200);
  const seconds = positiveInt('seconds', args.seconds, 30);
  console.log(`# bench:ingest --find-max — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  const results: ScenarioResult[] = [];
  let lossless = 0;
  let realTime = 0;
  let allRealTime = true;
  for (let streams = first; streams <= max; streams += step) {
    process.stderr.write(`find-max: ${streams} streams × ${seconds} s…\n`);
    const { result } = await runScenario(
      liveTapePlayback({ root: args['server-root'] }),
      await runDir(workDir),
      {
        streams,
        seconds,
        playersPerStream: positiveInt('players', args.players, 1),
        media,
      },
    );
    results.push(result);
    if (!isLossless(result)) break;
    lossless = streams;
    // Real time is judged over consecutive steps: one lucky step after a late one does not count.
    if (!keptRealTime(result)) allRealTime = false;
    if (allRealTime) realTime = streams;
  }
  console.log(`${resultTable(results)}\n`);
  for (const line of failureLines(results)) console.log(`FAILURES ${line}`);
  console.log(`Largest stream count with no frame loss: ${lossless || `none ≥ ${first}`}`);
  console.log(
    `… and with every push kept within ${MAX_REALTIME_LAG_MS} ms of real time: ${realTime || `none ≥ ${first}`}`,
  );
  console.log(
    `Target ≥ ${TARGET_STREAMS} streams with no frame loss: ${lossless >= TARGET_STREAMS ? 'MET' : 'MISSED'}`,
  );
  console.log(`\nraw figures: ${await saveResults('ingest-find-max', results)}`);
}

/** Median of a few RSS readings a second apart: one reading can catch a GC mid-way. */
async function settledRss(pid: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    readings.push(sampleProcessTree(pid).rssBytes);
  }
  return median(readings);
}

/**
 * Pushes exactly two GOPs per stream, stopping right before the third keyframe, so each stream's GOP
 * cache holds one full GOP; then keeps the connections open and silent and reads the server's RSS.
 */
async function idleGop(media: BenchMedia, workDir: string): Promise<void> {
  const streams = positiveInt('streams', args.streams, 20);
  console.log(`# bench:ingest --idle-gop — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  const server = await LiveTapeServer.start({
    dataDir: join(await runDir(workDir), 'data'),
    settings: { RTMP_IDLE_TIMEOUT: '600' },
    root: args['server-root'],
  });
  try {
    const baseline = await settledRss(server.pid);
    const clients = await connectPublishers(
      Array.from({ length: streams }, (_, i) => server.rtmpUrl(streamName(i))),
    );
    const sent = await pacePublishers(clients, media, {
      durationMs: 2 * media.gopMs,
      staggerMs: media.gopMs,
    });
    const failures = sent.filter((p) => p.failure).length;
    const live = await server.liveStreamCount();
    const idle = await settledRss(server.pid);
    await Promise.all(clients.map((c) => c.close()));
    const after = await settledRss(server.pid);
    const perStream = (idle - baseline) / streams;
    const beyond = perStream - media.gopBytes;
    console.log(
      markdownTable(
        [
          'streams',
          'live',
          'GOP bytes',
          'RSS before MiB',
          'RSS idle MiB',
          'RSS after close MiB',
          'RSS/stream KiB',
          'beyond the GOP KiB',
          'released on close KiB/stream',
        ],
        [
          [
            streams,
            live,
            media.gopBytes,
            mib(baseline),
            mib(idle),
            mib(after),
            (perStream / 1024).toFixed(0),
            (beyond / 1024).toFixed(0),
            ((idle - after) / streams / 1024).toFixed(0),
          ],
        ],
      ),
    );
    if (failures > 0 || live !== streams)
      console.log(`WARNING: ${failures} pushes failed, ${live}/${streams} live when measured`);
    console.log(
      `\nTarget ≤ 1 MiB per idle GOP-cached stream beyond the GOP: ${beyond <= TARGET_IDLE_BYTES_BEYOND_GOP ? 'MET' : 'MISSED'} (${(beyond / 1024).toFixed(0)} KiB)`,
    );
    await saveResults('ingest-idle-gop', {
      streams,
      live,
      gopBytes: media.gopBytes,
      baseline,
      idle,
      after,
      perStream,
      beyond,
    });
  } finally {
    await server.stop();
  }
}

runMain(async () => {
  if (args.help) return console.log(USAGE);
  const media = await loadBenchMedia();
  process.stderr.write(
    `media: ${(media.bitrate / 1e6).toFixed(2)} Mbps, GOP ${media.gopMs} ms / ${media.gopBytes} bytes, loop ${media.periodMs} ms\n`,
  );
  await withWorkDir(args.keep, (dir) =>
    args['idle-gop'] ? idleGop(media, dir) : args['find-max'] ? findMax(media, dir) : compare(media, dir),
  );
});
