/**
 * `npm run bench:compare`: LiveTape against nginx-rtmp in one invocation, scenario by scenario and round by
 * round (ingest only, with the default live DVR window and with `LIVE_DVR_WINDOW=0`; ingest + record FLV;
 * LiveTape ingest + record FLV+MP4+HLS against nginx recording FLV), plus the CPU each server uses idle; on
 * request the Node.js floor (a bare node receiving the same pushes the way LiveTape reads them) against nginx's
 * ingest, and a warm-up push before each measured one. Ratios are taken within a round, so both sides saw the
 * same machine load, and their medians are reported. See docs/benchmarks.md.
 */
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from '../test/helpers/process.js';
import { loadBenchMedia } from './lib/bench-media.js';
import { positiveInt, printProfiles, runDir, runMain, withWorkDir } from './lib/cli.js';
import { LiveTapeServer } from './lib/livetape-server.js';
import { NginxRtmpServer } from './lib/nginx-rtmp-server.js';
import { CACHE_DIR, REPO_ROOT } from './lib/paths.js';
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
import { type BenchServer, runScenario, type Scenario, type ScenarioResult } from './lib/scenario.js';
import {
  liveTapeIngest,
  liveTapeRecording,
  nginxIngest,
  nginxRecording,
  nodeFloor,
} from './lib/scenarios.js';

const USAGE = `tsx bench/compare.ts [options]
  --streams N[,M]    concurrent pushes; a list runs every count (default 8; e.g. 8,100)
  --seconds S        media seconds per push (default 30)
  --repeat R         rounds of every scenario, interleaved; medians are reported (default 3)
  --server-root D    a LiveTape checkout to measure, as NAME=DIR or DIR; repeat it to compare checkouts
                     side by side (e.g. --server-root main=/tmp/lt-main --server-root branch=.); default .
  --node-flag N=F    run variant N's server with node flag F (repeatable), e.g. small=--max-semi-space-size=4
  --idle-seconds S   how long each server is watched with no stream (default 30; 0 skips it)
  --scenarios LIST   which scenarios to run besides nginx's two, of ingest, ingest-nodvr, flv, all (LiveTape;
                     the default is these four), floor-raw, floor-parse (the Node.js floor: a bare node receiving
                     the pushes as LiveTape reads them, and discarding them, or parsing their chunks; needs a
                     build, BENCH_FROM_DIST=1)
  --warm-up S        every server first takes a push of S seconds on other stream names, closed and settled,
                     before the measured pushes (default 0: none)
  --profile          run LiveTape under node --cpu-prof and print the top self-time functions
  --keep             keep the temporary folder (recordings, nginx logs)`;

/**
 * The issue's targets: LiveTape's CPU per stream-minute as a multiple of nginx-rtmp's, same run. The Node.js
 * floor has none: it is what is left of the gap when LiveTape does nothing at all with the bytes.
 */
const TARGETS = {
  ingest: 2.0,
  'ingest-nodvr': 2.0,
  flv: 2.0,
  all: 2.5,
  'floor-raw': undefined,
  'floor-parse': undefined,
} satisfies Record<string, number | undefined>;
type ComparisonKey = keyof typeof TARGETS;
const COMPARISON_KEYS = Object.keys(TARGETS) as ComparisonKey[];
/** 30 s more each per round: asked for by name only. */
const DEFAULT_KEYS: ComparisonKey[] = ['ingest', 'ingest-nodvr', 'flv', 'all'];
/**
 * The live DVR window (issue 15) packages every push as HLS from its start and spills its segments to disk, which
 * nginx's `live on` does not; `ingest-nodvr` measures the ingest without it, so both figures can be read.
 */
const NO_DVR = { LIVE_DVR_WINDOW: '0' };
const TARGET_IDLE_SHARE = 0.002;
const IDLE_WARM_UP_MS = 15_000;
const TARGET_PEAK_RSS_BYTES = 100 * 1024 * 1024;
const TARGET_RSS_PER_EXTRA_STREAM_BYTES = 1.5 * 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string' },
    seconds: { type: 'string' },
    repeat: { type: 'string' },
    'server-root': { type: 'string', multiple: true },
    'node-flag': { type: 'string', multiple: true },
    'idle-seconds': { type: 'string' },
    scenarios: { type: 'string' },
    'warm-up': { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

interface Variant {
  name: string;
  /** undefined: this checkout. */
  root: string | undefined;
  nodeFlags: string[];
}

function variants(): Variant[] {
  const given = args['server-root'] ?? ['.'];
  const flags = (args['node-flag'] ?? []).map((spec): [string, string] => splitOnce(spec, '=') ?? ['', spec]);
  const list = given.map((spec) => {
    const [name, dir] = splitOnce(spec, '=') ?? [undefined, spec];
    const root = resolve(dir);
    const here = root === resolve(REPO_ROOT);
    const variantName = name ?? (here ? 'LiveTape' : `LiveTape ${basename(root)}`);
    return {
      name: variantName,
      root: here ? undefined : root,
      nodeFlags: flags.filter(([n]) => n === variantName).map(([, flag]) => flag),
    };
  });
  for (const [name] of flags)
    if (!list.some((v) => v.name === name)) throw new Error(`--node-flag names no --server-root: "${name}"`);
  return list;
}

/** `a=b=c` → `['a', 'b=c']`; undefined without `=`. */
function splitOnce(text: string, separator: string): [string, string] | undefined {
  const at = text.indexOf(separator);
  return at < 0 ? undefined : [text.slice(0, at), text.slice(at + separator.length)];
}

function chosenScenarios(): ComparisonKey[] {
  if (!args.scenarios) return DEFAULT_KEYS;
  const keys = args.scenarios.split(',').map((k) => k.trim());
  for (const key of keys)
    if (!(COMPARISON_KEYS as string[]).includes(key))
      throw new Error(`--scenarios: unknown "${key}" (one of ${COMPARISON_KEYS.join(', ')})`);
  return keys as ComparisonKey[];
}

/** The scenarios of one variant, in the order a round runs them, with the nginx figure each is divided by. */
interface Comparison {
  key: ComparisonKey;
  title: string;
  measured: Scenario<BenchServer, unknown>;
  nginxIndex: number;
}

type AnyScenario = Scenario<BenchServer, unknown>;

function plan(
  media: Awaited<ReturnType<typeof loadBenchMedia>>,
  seconds: number,
  profileDir: string | undefined,
): { scenarios: AnyScenario[]; comparisons: Array<{ variant: Variant; list: Comparison[] }> } {
  // nginx first, then each variant's scenarios: every kind of work runs back to back within a round.
  const scenarios: AnyScenario[] = [nginxIngest() as AnyScenario, nginxRecording() as AnyScenario];
  const chosen = chosenScenarios();
  const comparisons = variants().map((variant) => {
    const profile = (what: string) =>
      profileDir && join(profileDir, variant.name.replaceAll(/\W+/g, '-'), what);
    const common = { root: variant.root, nodeFlags: variant.nodeFlags, media, seconds };
    const list: Comparison[] = [
      {
        key: 'ingest',
        title: 'ingest only ÷ nginx ingest only',
        measured: liveTapeIngest({
          label: `${variant.name} ingest only`,
          root: variant.root,
          nodeFlags: variant.nodeFlags,
          profileDir: profile('ingest'),
        }) as AnyScenario,
        nginxIndex: 0,
      },
      {
        key: 'ingest-nodvr',
        title: 'ingest only, LIVE_DVR_WINDOW=0 ÷ nginx ingest only',
        measured: liveTapeIngest({
          label: `${variant.name} ingest only, no DVR`,
          root: variant.root,
          nodeFlags: variant.nodeFlags,
          settings: NO_DVR,
          profileDir: profile('ingest-nodvr'),
        }) as AnyScenario,
        nginxIndex: 0,
      },
      {
        key: 'flv',
        title: 'ingest + record FLV ÷ nginx record FLV',
        measured: liveTapeRecording({
          ...common,
          label: `${variant.name} ingest + record flv`,
          formats: ['flv'],
          profileDir: profile('record-flv'),
        }) as AnyScenario,
        nginxIndex: 1,
      },
      {
        key: 'all',
        title: 'ingest + record FLV+MP4+HLS ÷ nginx record FLV',
        measured: liveTapeRecording({
          ...common,
          label: `${variant.name} ingest + record flv+mp4+hls`,
          formats: ['flv', 'mp4', 'hls'],
          profileDir: profile('record-all'),
        }) as AnyScenario,
        nginxIndex: 1,
      },
      {
        key: 'floor-raw',
        title: 'Node.js floor: receive and discard ÷ nginx ingest only',
        measured: nodeFloor({
          label: `Node.js floor (${variant.name} build), receive and discard`,
          mode: 'raw',
          media,
          root: variant.root,
          nodeFlags: variant.nodeFlags,
        }) as AnyScenario,
        nginxIndex: 0,
      },
      {
        key: 'floor-parse',
        title: 'Node.js floor: receive and parse chunks ÷ nginx ingest only',
        measured: nodeFloor({
          label: `Node.js floor (${variant.name} build), receive and parse chunks`,
          mode: 'parse',
          media,
          root: variant.root,
          nodeFlags: variant.nodeFlags,
        }) as AnyScenario,
        nginxIndex: 0,
      },
    ];
    return { variant, list: list.filter((c) => chosen.includes(c.key)) };
  });
  for (const { list } of comparisons) scenarios.push(...list.map((c) => c.measured));
  return { scenarios, comparisons };
}

/** Share of one core a freshly started server uses over `seconds` with no client at all. */
async function idleShare(server: BenchServer, seconds: number): Promise<number> {
  // Start-up work is not idling: migrations, the first settings read, and the GCs V8's memory reducer runs
  // some 8 s after the heap stopped growing.
  await sleep(IDLE_WARM_UP_MS);
  const before = sampleProcessTree(server.pid);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = sampleProcessTree(server.pid);
  return (after.cpuSeconds - before.cpuSeconds) / ((performance.now() - t0) / 1000);
}

async function measureIdle(workDir: string, seconds: number): Promise<Array<[string, number]>> {
  const rows: Array<[string, number]> = [];
  const nginx = await NginxRtmpServer.start(await runDir(workDir), { record: false });
  try {
    rows.push(['nginx-rtmp', await idleShare(nginx, seconds)]);
  } finally {
    await nginx.stop();
  }
  for (const v of variants()) {
    process.stderr.write(`idle: ${v.name}, ${seconds} s…\n`);
    const server = await LiveTapeServer.start({
      dataDir: join(await runDir(workDir), 'data'),
      root: v.root,
      nodeFlags: v.nodeFlags,
    });
    try {
      rows.push([v.name, await idleShare(server, seconds)]);
    } finally {
      await server.stop();
    }
  }
  return rows;
}

const ratioText = (values: number[]) => values.map((x) => fixed(x)).join(', ');

async function compareAt(
  streams: number,
  seconds: number,
  repeat: number,
  warmUpSeconds: number,
  workDir: string,
  media: Awaited<ReturnType<typeof loadBenchMedia>>,
  profileDir: string | undefined,
): Promise<{ streams: number; rounds: ScenarioResult[][] }> {
  const { scenarios, comparisons } = plan(media, seconds, profileDir && join(profileDir, `n${streams}`));
  const options = { streams, seconds, playersPerStream: 0, media, warmUpSeconds };
  const warmedUp = warmUpSeconds > 0 ? `, after a ${warmUpSeconds} s warm-up push` : '';
  const rounds: ScenarioResult[][] = [];
  for (let round = 1; round <= repeat; round++) {
    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      process.stderr.write(
        `n=${streams} round ${round}/${repeat}: ${scenario.label}, ${seconds} s${warmedUp}…\n`,
      );
      results.push((await runScenario(scenario, await runDir(workDir), options)).result);
    }
    rounds.push(results);
    console.log(`### n=${streams}, round ${round}${warmedUp}\n\n${resultTable(results)}\n`);
    for (const line of failureLines(results)) console.log(`FAILURES ${line}`);
  }
  const medians = scenarios.map((_, i) => medianResult(rounds.map((r) => r[i]!)));
  console.log(`### n=${streams}, median of ${repeat} rounds${warmedUp}\n\n${resultTable(medians)}\n`);

  const rows: Array<Array<string | number>> = [];
  const verdicts: string[] = [];
  for (const { variant, list } of comparisons) {
    for (const c of list) {
      const index = scenarios.indexOf(c.measured);
      const ratios = rounds.map((r) => r[index]!.cpuPerStreamMinute / r[c.nginxIndex]!.cpuPerStreamMinute);
      const m = median(ratios);
      rows.push([
        variant.name,
        c.title,
        fixed(medians[index]!.cpuPerStreamMinute, 3),
        fixed(medians[c.nginxIndex]!.cpuPerStreamMinute, 3),
        ratioText(ratios),
        `**${fixed(m)}×**`,
        targetVerdict(TARGETS[c.key], m),
      ]);
    }
    verdicts.push(...floorShares(variant.name, list, (c) => medians[scenarios.indexOf(c.measured)]!));
    const allThree = list.find((c) => c.key === 'all');
    if (!allThree) continue;
    const all = medians[scenarios.indexOf(allThree.measured)]!;
    verdicts.push(
      `- ${variant.name}, n=${streams}, recording all three: peak RSS ${mib(all.peakRssBytes)} MiB (${mib(all.peakRssAnonBytes)} anonymous, ${mib(all.peakRssFileBytes)} file-backed), ${fixed(all.rssPerStreamBytes / 1024 / 1024)} MiB per stream above the idle server${streams === 8 ? ` (target ≤ 100 MiB at n=8: ${all.peakRssBytes <= TARGET_PEAK_RSS_BYTES ? 'MET' : 'MISSED'})` : ''}`,
    );
  }
  console.log(
    `### n=${streams}: each server ÷ nginx-rtmp, CPU per stream-minute, ratios within each round${warmedUp}\n\n${markdownTable(
      ['server', 'scenario', 'median', 'nginx median', 'ratio per round', 'median ratio', 'target'],
      rows,
    )}\n\n${verdicts.join('\n')}\n`,
  );
  return { streams, rounds };
}

const targetVerdict = (target: number | undefined, ratio: number) =>
  target === undefined ? '—' : `≤ ${target}×: ${ratio <= target ? 'MET' : 'MISSED'}`;

/** How much of LiveTape's ingest-only CPU the Node.js floor accounts for, when both were measured. */
function floorShares(
  variantName: string,
  list: Comparison[],
  medianOf: (c: Comparison) => ScenarioResult,
): string[] {
  const ingest = list.find((c) => c.key === 'ingest');
  if (!ingest) return [];
  const liveTape = medianOf(ingest).cpuPerStreamMinute;
  return list
    .filter((c) => c.key === 'floor-raw' || c.key === 'floor-parse')
    .map((c) => {
      const floor = medianOf(c).cpuPerStreamMinute;
      return `- ${variantName}: ${c.key} is ${fixed(floor, 3)} of LiveTape ingest only's ${fixed(liveTape, 3)} CPU-s per stream-minute (${fixed((floor / liveTape) * 100, 0)} %); the remaining ${fixed(liveTape - floor, 3)} is LiveTape's own work`;
    });
}

/** Memory each stream beyond the first count adds, from the recording-all medians at two stream counts. */
function printRssSlope(runs: Array<{ streams: number; rounds: ScenarioResult[][] }>): void {
  if (runs.length < 2) return;
  const [low, high] = [runs[0]!, runs[runs.length - 1]!];
  for (const [i, label] of runs[0]!.rounds[0]!.entries()) {
    if (!label.label.endsWith('flv+mp4+hls')) continue;
    const peak = (r: typeof low) => median(r.rounds.map((round) => round[i]!.peakRssBytes));
    const slope = (peak(high) - peak(low)) / (high.streams - low.streams);
    console.log(
      `- ${label.label}: ${fixed(slope / 1024 / 1024)} MiB per additional stream from n=${low.streams} to n=${high.streams} (target ≤ 1.5: ${slope <= TARGET_RSS_PER_EXTRA_STREAM_BYTES ? 'MET' : 'MISSED'})`,
    );
  }
}

runMain(async () => {
  if (args.help) return console.log(USAGE);
  const counts = (args.streams ?? '8').split(',').map((s) => positiveInt('streams', s.trim(), 8));
  const seconds = positiveInt('seconds', args.seconds, 30);
  const repeat = positiveInt('repeat', args.repeat, 3);
  const idleSeconds =
    args['idle-seconds'] === '0' ? 0 : positiveInt('idle-seconds', args['idle-seconds'], 30);
  const warmUpSeconds = args['warm-up'] === '0' ? 0 : positiveInt('warm-up', args['warm-up'], 0);
  const profileDir = args.profile ? join(CACHE_DIR, 'profiles', `compare-${Date.now()}`) : undefined;
  const media = await loadBenchMedia();
  console.log(`# bench:compare — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  console.log(`Command: npm run bench:compare -- ${process.argv.slice(2).join(' ')}\n`);
  if (warmUpSeconds > 0)
    console.log(
      `Warm-up: every server first took ${counts.join(' or ')} pushes of ${warmUpSeconds} s under other stream names, closed and settled; CPU is measured from the measured pushes' start (peak RSS still covers the warm-up).\n`,
    );
  await withWorkDir(args.keep, async (dir) => {
    const idle = idleSeconds > 0 ? await measureIdle(dir, idleSeconds) : [];
    if (idle.length > 0) {
      console.log(
        `## Idle, no stream, ${idleSeconds} s\n\n${markdownTable(
          ['server', 'CPU, % of a core', `target ≤ ${TARGET_IDLE_SHARE * 100} %`],
          idle.map(([name, share]) => [
            name,
            fixed(share * 100, 3),
            name === 'nginx-rtmp' ? '–' : share <= TARGET_IDLE_SHARE ? 'MET' : 'MISSED',
          ]),
        )}\n`,
      );
    }
    const runs = [];
    for (const streams of counts)
      runs.push(await compareAt(streams, seconds, repeat, warmUpSeconds, dir, media, profileDir));
    printRssSlope(runs);
    if (profileDir) await printProfiles(profileDir);
    console.log(`\nraw figures: ${await saveResults('compare', { warmUpSeconds, idle, runs })}`);
  });
});
