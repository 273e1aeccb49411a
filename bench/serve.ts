/**
 * `npm run bench:serve`: a recorded MP4 (~50 MB) served over loopback to concurrent byte-range readers,
 * by LiveTape (`/vod/…`) and by Debian's nginx (a static `location` on the same file), in the same run,
 * alternating rounds. Reports MB/s of each and LiveTape's share of nginx's (target ≥ 80 %).
 */
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { openCatalog } from '../src/catalog/db.js';
import { newFileId } from '../src/catalog/ids.js';
import { positiveInt, runDir, runMain, withWorkDir } from './lib/cli.js';
import { LiveTapeServer } from './lib/livetape-server.js';
import { NginxStaticServer } from './lib/nginx-static-server.js';
import { sampleProcessTree, selfCpuSeconds } from './lib/proc-stats.js';
import { readRanges } from './lib/range-readers.js';
import { ensureRecordedMp4 } from './lib/recorded-mp4.js';
import { fixed, machineDescription, markdownTable, median } from './lib/report.js';

const USAGE = `tsx bench/serve.ts [options]
  --readers N    concurrent range readers (default 50)
  --requests R   1 MiB ranges per round, over all readers (default 2000)
  --rounds K     rounds per server, alternating; medians are reported (default 3)
  --keep         keep the work folder`;

const RANGE_BYTES = 1024 * 1024;
const TARGET_SHARE = 0.8;
const STORAGE_KEY = 'live/bench/2025-01-01/bench_20250101-000000.mp4';

const { values: args } = parseArgs({
  options: {
    readers: { type: 'string' },
    requests: { type: 'string' },
    rounds: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

interface Server {
  readonly name: string;
  readonly pid: number;
  httpUrl(path: string): string;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const readers = positiveInt('readers', args.readers, 50);
  const requests = positiveInt('requests', args.requests, 2000);
  const rounds = positiveInt('rounds', args.rounds, 3);

  await withWorkDir(args.keep, async (workDir) => {
    const source = await ensureRecordedMp4(workDir);
    const dataDir = await runDir(workDir);
    const mediaRoot = join(dataDir, 'media');
    const file = join(mediaRoot, STORAGE_KEY);
    await mkdir(dirname(file), { recursive: true });
    await copyFile(source, file);
    const { size } = await stat(file);
    await catalogFile(dataDir, size);

    const livetape = await LiveTapeServer.start({ dataDir });
    const nginx = await NginxStaticServer.start(await runDir(workDir), mediaRoot);
    const throughput: Record<string, number[]> = { [livetape.name]: [], [nginx.name]: [] };
    /** Server CPU seconds per GB served: unlike MB/s, barely moved by other load on the machine. */
    const cpuPerGb: Record<string, number[]> = { [livetape.name]: [], [nginx.name]: [] };
    /** The readers' own CPU per GB: on a small machine they share the cores with the server. */
    const clientCpuPerGb: Record<string, number[]> = { [livetape.name]: [], [nginx.name]: [] };
    try {
      const bytes = await readFile(file);
      for (const server of [livetape, nginx]) await checkRanges(server, bytes);
      for (let round = 0; round < rounds; round++) {
        // Alternate who goes first, so neither always meets a warmer or colder machine.
        const order: Server[] = round % 2 === 0 ? [livetape, nginx] : [nginx, livetape];
        for (const server of order) {
          const cpuBefore = sampleProcessTree(server.pid).cpuSeconds;
          const clientBefore = selfCpuSeconds();
          const result = await readRanges({
            url: server.httpUrl(`/vod/${STORAGE_KEY}`),
            fileSize: size,
            concurrency: readers,
            requests,
            rangeBytes: RANGE_BYTES,
          });
          if (result.failures.length > 0)
            throw new Error(`${server.name} answered wrongly: ${result.failures.join('; ')}`);
          const mbps = result.bytes / 1e6 / result.seconds;
          throughput[server.name]!.push(mbps);
          const gb = result.bytes / 1e9;
          cpuPerGb[server.name]!.push((sampleProcessTree(server.pid).cpuSeconds - cpuBefore) / gb);
          clientCpuPerGb[server.name]!.push((selfCpuSeconds() - clientBefore) / gb);
          process.stderr.write(`round ${round + 1} ${server.name}: ${fixed(mbps, 0)} MB/s\n`);
        }
      }
    } finally {
      await livetape.stop();
      await nginx.stop();
    }

    const ours = median(throughput[livetape.name]!);
    const theirs = median(throughput[nginx.name]!);
    const share = ours / theirs;
    console.log(
      `\n${readers} concurrent readers of random 1 MiB ranges, ${requests} ranges per round, ${rounds} rounds each (medians); file ${fixed(size / 1e6, 1)} MB; ${machineDescription()}\n`,
    );
    console.log(
      markdownTable(
        ['server', 'MB/s (median)', 'MB/s per round', 'server CPU-s per GB', 'readers CPU-s per GB'],
        [livetape, nginx].map((server) => [
          server.name,
          fixed(median(throughput[server.name]!), 0),
          throughput[server.name]!.map((v) => fixed(v, 0)).join(', '),
          fixed(median(cpuPerGb[server.name]!), 2),
          fixed(median(clientCpuPerGb[server.name]!), 2),
        ]),
      ),
    );
    console.log(
      `\nLiveTape reaches ${fixed(share * 100, 0)} % of nginx (target ≥ ${TARGET_SHARE * 100} %): ${share >= TARGET_SHARE ? 'met' : 'NOT met'}`,
    );
  });
}

/** The file as a finished recording, so `/vod/` serves it like any other. */
async function catalogFile(dataDir: string, size: number): Promise<void> {
  const catalog = await openCatalog({ dataDir });
  try {
    const id = newFileId();
    const now = Date.now();
    await catalog.recordings.insertOpen({
      id,
      app: 'live',
      stream: 'bench',
      format: 'mp4',
      storageKey: STORAGE_KEY,
      startTime: now - 60_000,
      sessionId: id,
      broadcastId: id,
    });
    await catalog.recordings.finish(id, {
      endTime: now,
      sizeBytes: size,
      durationMs: 60_000,
      reason: 'unpublish',
    });
  } finally {
    await catalog.close();
  }
}

/** A few ranges from each server must be byte-exact before anything is timed. */
async function checkRanges(server: Server, bytes: Buffer): Promise<void> {
  for (const start of [0, 12345, bytes.length - RANGE_BYTES]) {
    const res = await fetch(server.httpUrl(`/vod/${STORAGE_KEY}`), {
      headers: { range: `bytes=${start}-${start + RANGE_BYTES - 1}` },
    });
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 206 || !body.equals(bytes.subarray(start, start + RANGE_BYTES))) {
      throw new Error(
        `${server.name} did not answer bytes=${start}- exactly (HTTP ${res.status}, ${body.length} bytes)`,
      );
    }
  }
}

runMain(main);
