/**
 * `npm run bench:write-cost`: what one gathered recording write costs the process, made through libuv's thread
 * pool (as `FileHandle.writev`) or synchronously on the main thread (`writevSync`, RECORD_DIRECT_WRITES,
 * decision 0033). Each write is 83 KB in two slices, what a 2.67 Mbps stream gathers in 250 ms, into a file of
 * the data folder's disk; the main thread's CPU (`/proc/self/task/<pid>/stat`) and the whole process's
 * (`process.cpuUsage`) are read around the writes of each round.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DirectWriteGate } from '../src/storage/direct-writes.js';
import { LocalTarget } from '../src/storage/local-target.js';
import type { TargetFile } from '../src/storage/target.js';
import { positiveInt, runMain } from './lib/cli.js';
import { CACHE_DIR } from './lib/paths.js';
import { fixed, markdownTable, median } from './lib/report.js';

const USAGE = `npm run bench:write-cost -- [--writes N] [--repeat R]
  --writes N   writes per round and way (default 3000)
  --repeat R   rounds, the two ways interleaved; medians are printed (default 5)`;

const { values: args } = parseArgs({
  options: {
    writes: { type: 'string' },
    repeat: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

const SLICE_BYTES = 42 * 1024;
/** The kernel's clock ticks per second, for the thread's CPU in /proc (Linux: 100). */
const TICKS_PER_SECOND = 100;

function mainThreadCpuMs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

type Way = 'pool' | 'direct';

/** µs of CPU per write (main thread, process) for `writes` writes one way. */
async function round(dir: string, way: Way, writes: number): Promise<{ main: number; process: number }> {
  const target = new LocalTarget(dir, new DirectWriteGate({ enabled: way === 'direct' }));
  const key = `${way}.bin`;
  await rm(join(dir, key), { force: true });
  const file: TargetFile = await target.create(key);
  const slices = [Buffer.alloc(SLICE_BYTES, 1), Buffer.alloc(SLICE_BYTES, 2)];
  const main0 = mainThreadCpuMs();
  const process0 = processCpuMs();
  for (let i = 0; i < writes; i++) {
    if (way === 'direct') file.appendNow!(slices);
    else await file.append(slices);
  }
  const result = {
    main: ((mainThreadCpuMs() - main0) * 1000) / writes,
    process: ((processCpuMs() - process0) * 1000) / writes,
  };
  await file.close();
  await rm(join(dir, key), { force: true });
  return result;
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const writes = positiveInt('writes', args.writes, 3000);
  const repeat = positiveInt('repeat', args.repeat, 5);
  const dir = join(CACHE_DIR, 'write-cost');
  const figures: Record<Way, Array<{ main: number; process: number }>> = { pool: [], direct: [] };
  for (let r = 0; r < repeat; r++) {
    for (const way of ['pool', 'direct'] as const) figures[way].push(await round(dir, way, writes));
  }
  await rm(dir, { recursive: true, force: true });
  console.log(
    `# bench:write-cost — ${writes} writes of ${(2 * SLICE_BYTES) / 1024} KiB per round, ${repeat} rounds\n`,
  );
  console.log(
    markdownTable(
      ['way', 'main thread µs / write (median)', 'process µs / write (median)', 'process, per round'],
      (['pool', 'direct'] as const).map((way) => [
        way === 'pool' ? 'thread pool (`FileHandle.writev`)' : 'main thread (`writevSync`)',
        fixed(median(figures[way].map((f) => f.main)), 1),
        fixed(median(figures[way].map((f) => f.process)), 1),
        figures[way].map((f) => fixed(f.process, 1)).join(', '),
      ]),
    ),
  );
}

runMain(main);
