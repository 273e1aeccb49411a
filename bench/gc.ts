/**
 * `npm run bench:gc`: why and how often V8 collects while LiveTape ingests. Starts one server per checkout under
 * `node --trace-gc --trace-incremental-marking`, pushes N paced streams, and counts, within the push window only,
 * the collections by kind and reason ("Mark-Compact: finalize incremental marking via task", "marking start:
 * external memory pressure"…). Slower to read than bench:compare but far less noisy on a shared machine: GC
 * counts do not depend on the load. See docs/benchmarks.md, "What started the full GCs".
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from '../test/helpers/process.js';
import { loadBenchMedia } from './lib/bench-media.js';
import { positiveInt, runDir, runMain, withWorkDir } from './lib/cli.js';
import { countGcReasons } from './lib/gc-log.js';
import { LiveTapeServer } from './lib/livetape-server.js';
import { connectPublishers, pacePublishers } from './lib/paced-publishers.js';
import { sampleProcessTree } from './lib/proc-stats.js';
import { markdownTable } from './lib/report.js';

const USAGE = `tsx bench/gc.ts [options]
  --streams N        concurrent pushes (default 8)
  --seconds S        media seconds per push (default 30)
  --query Q          push query string, e.g. record=flv (default none)
  --server-root D    a checkout to measure, as NAME=DIR or DIR (repeatable; default .)
  --node-flag F      an extra node flag for every server (repeatable), e.g. --node-flag=--trace-gc-verbose
  --keep             keep the temporary folder with each server's GC log`;

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      streams: { type: 'string' },
      seconds: { type: 'string' },
      query: { type: 'string', default: '' },
      'server-root': { type: 'string', multiple: true },
      'node-flag': { type: 'string', multiple: true },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) return void console.log(USAGE);
  const streams = positiveInt('streams', args.streams, 8);
  const seconds = positiveInt('seconds', args.seconds, 30);
  const roots = (args['server-root'] ?? ['.']).map((spec) => {
    const at = spec.indexOf('=');
    return at < 0
      ? { name: spec, root: resolve(spec) }
      : { name: spec.slice(0, at), root: resolve(spec.slice(at + 1)) };
  });
  const media = await loadBenchMedia();
  const rows: string[][] = [];
  await withWorkDir(args.keep, async (workDir) => {
    for (const { name, root } of roots) {
      process.stderr.write(`${name}: ${streams} pushes × ${seconds} s…\n`);
      const dataDir = await runDir(workDir);
      const nodeFlags = ['--trace-gc', '--trace-incremental-marking', ...(args['node-flag'] ?? [])];
      const server = await LiveTapeServer.start({
        dataDir,
        root,
        nodeFlags,
        logFile: join(dataDir, 'gc.log'),
      });
      try {
        await sleep(5000); // start-up collections are not the push's
        const urls = Array.from({ length: streams }, (_, i) => server.rtmpUrl(`gc${i}`, args.query));
        const clients = await connectPublishers(urls);
        const logStart = (await readFile(join(dataDir, 'gc.log'))).length;
        const before = sampleProcessTree(server.pid);
        await pacePublishers(clients, media, { durationMs: seconds * 1000, staggerMs: media.gopMs });
        const after = sampleProcessTree(server.pid);
        const log = (await readFile(join(dataDir, 'gc.log'))).subarray(logStart).toString('latin1');
        for (const client of clients) client.destroy();
        const cpu = `${(after.cpuSeconds - before.cpuSeconds).toFixed(2)} CPU-s`;
        for (const [reason, count] of [...countGcReasons(log)].sort((a, b) => b[1] - a[1])) {
          rows.push([name, cpu, reason, String(count)]);
        }
      } finally {
        await server.stop();
      }
    }
  });
  console.log(
    markdownTable(['server', 'CPU during the pushes', 'collection or marking start', 'count'], rows),
  );
}

runMain(main);
