/**
 * `npm run bench:record`: N real-time 720p30 pushes recorded to FLV, MP4 and HLS at once, split every
 * 60 s; then every file is checked in the catalog and on disk, and a sample is decoded by ffmpeg.
 * With `--storage s3` the same run is made twice, local-only then with STORAGE=s3 into an s3rver
 * (uploads, verified, before the callback), and the spool size, upload lag and file-close → callback
 * latency are reported beside the CPU of each.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import type { RecordFormat } from '../src/config/schema.js';
import { S3ObjectStore, s3ClientConfig } from '../src/storage/s3-object-store.js';
import { run } from '../test/helpers/process.js';
import { startS3rver, type TestS3 } from '../test/helpers/s3rver.js';
import { type BenchMedia, loadBenchMedia } from './lib/bench-media.js';
import { positiveInt, printProfiles, runDir, runMain, withWorkDir } from './lib/cli.js';
import type { RecordingJson } from './lib/livetape-server.js';
import { CACHE_DIR } from './lib/paths.js';
import {
  failureLines,
  fixed,
  machineDescription,
  markdownTable,
  medianResult,
  mib,
  resultTable,
  saveResults,
} from './lib/report.js';
import { startChecksumProxy } from './lib/s3-checksum-proxy.js';
import { isLossless, keptRealTime, runScenario, type ScenarioResult, streamName } from './lib/scenario.js';
import { expectedFilesPerStream, liveTapeRecording } from './lib/scenarios.js';
import { type UploadFigures, UploadSampler } from './lib/upload-sampler.js';

const USAGE = `tsx bench/record.ts [options]
  --streams N      concurrent pushes, each recorded to flv|mp4|hls (default 20)
  --seconds S      media seconds per push (default 90: at least one 60 s split)
  --sample K       streams whose every file is decoded by ffmpeg (default 3; all files are always checked in the catalog)
  --repeat R       rounds; medians are reported (default 1)
  --profile        run LiveTape under node --cpu-prof and print the top self-time functions
  --server-root D  run the LiveTape server from checkout D (e.g. a \`git archive\` of a commit)
  --storage S      local (default), or s3: a local-only round, then a round uploading to s3rver
  --s3-tls         with --storage s3: s3rver serves https (a self-signed certificate the servers trust), as a
                   production store would: request bodies then go as UNSIGNED-PAYLOAD, without a SHA-256
  --s3-checksums   with --storage s3: the servers reach s3rver through a loopback proxy that checks and
                   echoes x-amz-checksum-crc32 as Amazon S3 does, so uploads take the CRC32 path, not MD5
  --s3-baseline-root D  with --storage s3: one more STORAGE=s3 round, run from checkout D before the
                   round of this checkout, so the upload path's CPU is compared before/after in one run
  --burst          push as fast as the server takes it (ffmpeg without -re) instead of in real time; reports
                   peak RSS against the global write backlog bound (RECORD_BACKLOG_TOTAL)
  --keep           keep the recordings`;

const FORMATS: RecordFormat[] = ['flv', 'mp4', 'hls'];
const INTERVAL_SEC = 60;
const TARGET_CPU_PER_STREAM_MINUTE = 0.8;
const TARGET_STREAMS = 100;
/** Issue 12: uploading to the bucket adds at most this share of CPU. */
const TARGET_UPLOAD_CPU_SHARE = 0.25;
/** The server's default RECORD_BACKLOG_TOTAL, in MiB. */
const BURST_BACKLOG_TOTAL_MIB = 256;
/** Peak RSS growth allowed in a burst, as a multiple of the backlog bound (buffers are copied, GC lags). */
const BURST_RSS_ALLOWANCE = 2;

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string' },
    seconds: { type: 'string' },
    sample: { type: 'string' },
    repeat: { type: 'string' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'server-root': { type: 'string' },
    's3-baseline-root': { type: 'string' },
    's3-tls': { type: 'boolean', default: false },
    's3-checksums': { type: 'boolean', default: false },
    storage: { type: 'string', default: 'local' },
    burst: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

interface FormatCheck {
  format: RecordFormat;
  expected: number;
  cataloged: number;
  /** Cataloged with size 0, or missing or empty on disk. */
  empty: string[];
  decoded: number;
  decodeErrors: string[];
  /** Sampled streams whose video packet count differs from the frames pushed. */
  packetMismatches: string[];
}

/** Video packets ffprobe finds in a file or playlist, without decoding. */
async function videoPackets(path: string): Promise<number> {
  const r = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v',
      '-count_packets',
      '-show_entries',
      'stream=nb_read_packets',
      '-of',
      'csv=p=0',
      path,
    ],
    {
      timeoutMs: 300_000,
    },
  );
  return Number(r.stdout.trim().split('\n')[0]);
}

/** ffmpeg decodes every frame; '' when clean. */
async function decodeErrors(path: string): Promise<string> {
  const r = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-'], { timeoutMs: 600_000 });
  return r.code === 0 ? r.stderr.trim() : `exit ${r.code}: ${r.stderr.trim()}`;
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

/** Streams spread over the whole range, so the first and the last to connect are both checked. */
function sampledStreams(streams: number, sample: number): Set<string> {
  const k = Math.min(sample, streams);
  return new Set(
    Array.from({ length: k }, (_, i) => streamName(k === 1 ? 0 : Math.round((i * (streams - 1)) / (k - 1)))),
  );
}

/** Where a round's files are: their size (0 when missing), and what ffmpeg reads them from. */
interface StoredFiles {
  sizeOf(key: string): Promise<number>;
  /** Undefined for files that are not decoded in this round. */
  inputOf(key: string): Promise<string | undefined>;
}

function localFiles(mediaRoot: string): StoredFiles {
  return {
    sizeOf: (key) => fileSize(join(mediaRoot, key)),
    inputOf: async (key) => join(mediaRoot, key),
  };
}

function bucketClient(s3: TestS3): S3ObjectStore {
  if (!s3.caFile) return new S3ObjectStore(s3.config);
  const httpsAgent = new Agent({ ca: readFileSync(s3.caFile) });
  return new S3ObjectStore(
    s3.config,
    new S3Client({ ...s3ClientConfig(s3.config), requestHandler: { httpsAgent } }),
  );
}

/** The bucket: a presigned URL for FLV and MP4; HLS is not decoded (its segment URIs would be unsigned). */
function bucketFiles(objects: S3ObjectStore): StoredFiles {
  return {
    sizeOf: async (key) => (await objects.head(key))?.size ?? 0,
    inputOf: (key) => (key.endsWith('.m3u8') ? Promise.resolve(undefined) : objects.presignGet(key, 3600)),
  };
}

async function validate(
  rows: RecordingJson[],
  files: StoredFiles,
  opts: { streams: number; seconds: number; sample: number; media: BenchMedia; framesPerStream: number },
): Promise<FormatCheck[]> {
  const sampled = sampledStreams(opts.streams, opts.sample);
  const checks: FormatCheck[] = [];
  for (const format of FORMATS) {
    const perStream = expectedFilesPerStream(format, INTERVAL_SEC, opts.media, opts.seconds);
    const mine = rows.filter((r) => r.format === format);
    const check: FormatCheck = {
      format,
      expected: perStream * opts.streams,
      cataloged: mine.length,
      empty: [],
      decoded: 0,
      decodeErrors: [],
      packetMismatches: [],
    };
    for (const row of mine) {
      if (row.sizeBytes <= 0 || (await files.sizeOf(row.storageKey)) <= 0) check.empty.push(row.storageKey);
    }
    for (const stream of sampled) {
      let packets = 0;
      let decoded = true;
      for (const row of mine.filter((r) => r.stream === stream)) {
        const path = await files.inputOf(row.storageKey);
        if (path === undefined) {
          decoded = false;
          continue;
        }
        const errors = await decodeErrors(path);
        check.decoded++;
        if (errors) check.decodeErrors.push(`${row.storageKey}: ${errors.slice(0, 200)}`);
        packets += await videoPackets(path);
      }
      if (decoded && packets !== opts.framesPerStream)
        check.packetMismatches.push(`${stream}: ${packets} of ${opts.framesPerStream}`);
    }
    checks.push(check);
  }
  return checks;
}

function printChecks(checks: FormatCheck[]): void {
  console.log(
    markdownTable(
      [
        'format',
        'files cataloged / expected',
        'empty or missing',
        'decoded by ffmpeg',
        'decode errors',
        'sampled streams with frame count ≠ pushed',
      ],
      checks.map((c) => [
        c.format,
        `${c.cataloged} / ${c.expected}`,
        c.empty.length,
        c.decoded,
        c.decodeErrors.length,
        c.packetMismatches.length === 0 ? 0 : c.packetMismatches.join(', '),
      ]),
    ),
  );
  for (const c of checks)
    for (const e of [...c.empty, ...c.decodeErrors].slice(0, 5)) console.log(`- ${c.format}: ${e}`);
}

const allValid = (checks: FormatCheck[]) =>
  checks.every(
    (c) =>
      c.cataloged === c.expected &&
      c.empty.length === 0 &&
      c.decodeErrors.length === 0 &&
      c.packetMismatches.length === 0,
  );

type StorageKind = 'local' | 's3';

/** One kind of round: a storage, from this checkout (or --server-root) or from the s3 baseline. */
interface RoundKind {
  storage: StorageKind;
  /** The table's name for it. */
  name: string;
  root: string | undefined;
}

interface Round {
  storage: StorageKind;
  name: string;
  result: ScenarioResult;
  checks: FormatCheck[];
  uploads: UploadFigures;
}

runMain(async () => {
  if (args.help) return console.log(USAGE);
  const streams = positiveInt('streams', args.streams, 20);
  const seconds = positiveInt('seconds', args.seconds, 90);
  const sample = positiveInt('sample', args.sample, 3);
  const repeat = positiveInt('repeat', args.repeat, 1);
  if (args.storage !== 'local' && args.storage !== 's3') throw new Error('--storage is local or s3');
  if (args['s3-baseline-root'] && args.storage !== 's3')
    throw new Error('--s3-baseline-root needs --storage s3');
  const root = args['server-root'];
  const kinds: RoundKind[] = [{ storage: 'local', name: 'local', root }];
  if (args['s3-baseline-root'])
    kinds.push({ storage: 's3', name: 's3 (baseline)', root: args['s3-baseline-root'] });
  if (args.storage === 's3') kinds.push({ storage: 's3', name: 's3', root });
  const media = await loadBenchMedia();
  const profileDir = args.profile ? join(CACHE_DIR, 'profiles', `record-${Date.now()}`) : undefined;
  console.log(`# bench:record — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  const rounds: Round[] = [];
  const s3 = args.storage === 's3' ? await startS3rver({ tls: args['s3-tls'] }) : undefined;
  // The servers this run starts inherit it (Node reads it at start); this process trusts it per client.
  if (s3?.caFile) process.env.NODE_EXTRA_CA_CERTS = s3.caFile;
  const objects = s3 ? bucketClient(s3) : undefined;
  if (args['s3-checksums'] && !s3) throw new Error('--s3-checksums needs --storage s3');
  const proxy = args['s3-checksums']
    ? await startChecksumProxy(
        s3!.endpoint,
        s3!.caFile && s3!.keyFile ? { certFile: s3!.caFile, keyFile: s3!.keyFile } : undefined,
      )
    : undefined;
  const s3Settings = s3 && {
    ...s3.settings,
    ...(proxy && { S3_ENDPOINT: proxy.endpoint }),
  };
  try {
    await withWorkDir(args.keep, async (workDir) => {
      for (let round = 1; round <= repeat; round++) {
        for (const { storage, name, root } of kinds) {
          const sampler = await UploadSampler.start();
          const base = liveTapeRecording({
            label: `LiveTape ingest + record flv+mp4+hls, STORAGE=${name}`,
            formats: FORMATS,
            intervalSec: INTERVAL_SEC,
            media,
            seconds,
            profileDir,
            settings: {
              RECORD_INTERVAL_MIN: '1',
              SNAPSHOT_INTERVAL: '0',
              // Every pusher connects from 127.0.0.1, which the per-address limit (100) would cut off.
              RTMP_MAX_CONNECTIONS_PER_ADDRESS: String(streams + 10),
              ...sampler.settings,
              ...(storage === 's3' ? s3Settings : {}),
            },
            root,
          });
          const scenario = {
            ...base,
            // The spool copies are gone once uploaded: frames are counted by the sampled validation instead.
            recordedFrames: storage === 's3' ? undefined : base.recordedFrames,
            async start(dir: string) {
              const server = await base.start(dir);
              sampler.watch(server, storage === 's3');
              return server;
            },
          };
          process.stderr.write(
            `round ${round}/${repeat}: ${scenario.label}, ${streams} streams × ${seconds} s…\n`,
          );
          const dir = await runDir(workDir);
          const { result, artifacts } = await runScenario(scenario, dir, {
            streams,
            seconds,
            playersPerStream: 0,
            media,
            burst: args.burst,
          });
          const uploads = await sampler.stop(INTERVAL_SEC - 1);
          process.stderr.write(`validating ${artifacts.length} recordings…\n`);
          // Every push sends the same media for the same time, so each should arrive with the same frame count.
          const framesPerStream = result.videoFramesSent / streams;
          const files = storage === 's3' ? bucketFiles(objects!) : localFiles(join(dir, 'data', 'media'));
          const checks = await validate(artifacts, files, {
            streams,
            seconds,
            sample,
            media,
            framesPerStream,
          });
          rounds.push({ storage, name, result, checks, uploads });
          console.log(`## Round ${round}, STORAGE=${name}\n\n${resultTable([result])}\n`);
          for (const line of failureLines([result])) console.log(`FAILURES ${line}`);
          printChecks(checks);
          console.log();
        }
      }
    });
  } finally {
    objects?.close();
    await proxy?.close();
    await s3?.close();
  }
  const summaries = kinds.map(({ storage, name }) => {
    const mine = rounds.filter((r) => r.name === name);
    const results = mine.map((r) => r.result);
    return { storage, name, mine, summary: repeat > 1 ? medianResult(results) : results[0]! };
  });
  if (repeat > 1)
    console.log(`## Median of ${repeat} rounds\n\n${resultTable(summaries.map((s) => s.summary))}\n`);
  console.log(
    markdownTable(
      [
        'storage',
        'CPU-s per stream-minute (this round)',
        'largest spool',
        'largest upload backlog (jobs)',
        'longest upload wait',
        `file close → callback 100, ${INTERVAL_SEC} s files: p50 / p99 / max (n)`,
      ],
      summaries.flatMap(({ name, mine }) =>
        mine.map((r) => [
          name,
          fixed(r.result.cpuPerStreamMinute, 3),
          `${fixed(r.uploads.maxSpoolBytes / 2 ** 20, 0)} MiB`,
          r.uploads.maxPendingUploads,
          `${r.uploads.maxUploadLagSec} s`,
          `${fixed(r.uploads.callbackLatencyMs.p50, 0)} / ${fixed(r.uploads.callbackLatencyMs.p99, 0)} / ${fixed(r.uploads.callbackLatencyMs.max, 0)} ms (${r.uploads.callbackLatencyMs.count})`,
        ]),
      ),
    ),
  );
  console.log();
  const local = summaries[0]!.summary;
  const valid = rounds.every((r) => allValid(r.checks));
  const clean = valid && summaries.every((s) => isLossless(s.summary));
  console.log('## Targets\n');
  console.log(
    `- flv+mp4+hls ≤ ${TARGET_CPU_PER_STREAM_MINUTE} CPU-s per stream-minute: ${local.cpuPerStreamMinute <= TARGET_CPU_PER_STREAM_MINUTE ? 'MET' : 'MISSED'} (${fixed(local.cpuPerStreamMinute, 3)})`,
  );
  for (const { name, summary } of summaries.filter((s) => s.storage === 's3')) {
    const added = summary.cpuPerStreamMinute / local.cpuPerStreamMinute - 1;
    console.log(
      `- uploads add ≤ ${TARGET_UPLOAD_CPU_SHARE * 100} % CPU (${name}): ${added <= TARGET_UPLOAD_CPU_SHARE ? 'MET' : 'MISSED'} (${fixed(added * 100, 1)} %)`,
    );
  }
  console.log(
    `- every file cataloged, non-empty and (sampled) decodable, no frame lost: ${clean ? 'yes' : 'NO'}`,
  );
  for (const { name: storage, summary } of summaries) {
    if (args.burst) {
      const growth = summary.peakRssBytes - summary.baselineRssBytes;
      const bounded = growth <= BURST_BACKLOG_TOTAL_MIB * 2 ** 20 * BURST_RSS_ALLOWANCE;
      console.log(
        `- burst (${storage}): peak RSS ${mib(summary.peakRssBytes)} MiB, ${mib(growth)} MiB over the idle server; the recorder may hold up to ${BURST_BACKLOG_TOTAL_MIB} MiB for storage (RECORD_BACKLOG_TOTAL): ${bounded ? 'bounded' : 'NOT BOUNDED'}`,
      );
    } else
      console.log(
        `- pushes kept real time (${storage}): ${keptRealTime(summary) ? 'yes' : 'NO'} (worst push lag ${Math.round(summary.maxPusherLagMs)} ms, slowest /healthz ${Math.round(summary.maxProbeMs)} ms)`,
      );
  }
  if (streams >= TARGET_STREAMS) {
    const met = clean && keptRealTime(local);
    console.log(
      `- ≥ ${TARGET_STREAMS} streams with all of the above: ${met ? 'MET' : 'MISSED'} (${streams} streams)`,
    );
  }
  if (profileDir) await printProfiles(profileDir);
  console.log(`\nraw figures: ${await saveResults('record', { rounds })}`);
});
