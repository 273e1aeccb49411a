/**
 * `npm run bench:s3-request`: the CPU one upload request costs this process, against s3rver over https
 * (its own process, not counted): LiveTape's PUT through the AWS SDK (`S3ObjectStore.putBytes`: MD5,
 * Content-MD5, SigV4 with an unsigned payload, ETag check) next to a bare `node:https` PUT of the same
 * body on a kept-alive connection (the transport's floor), for a playlist-sized, a segment-sized and a
 * part-sized body; and the SDK with its default `Expect: 100-continue` for large bodies, which opens a
 * fresh TLS connection per request. Requests go one at a time; CPU is `process.cpuUsage` per request.
 *
 * `--workload` replays one stream-minute of `bench:record`'s requests instead (lib/s3-workload.ts: 42
 * requests, 60 MiB, from files) with both clients, and the MD5 and CRC32 of those bytes: how much of
 * the CPU uploads add is the transport's floor and how much LiveTape's and the SDK's. `--outbox`
 * measures the upload outbox's catalog work per live segment job instead (lib/outbox-replay.ts).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { crc32Base64 } from '../src/storage/crc32.js';
import { S3ObjectStore, s3ClientConfig } from '../src/storage/s3-object-store.js';
import { startS3rver, type TestS3 } from '../test/helpers/s3rver.js';
import { positiveInt, runMain } from './lib/cli.js';
import { replayOutbox } from './lib/outbox-replay.js';
import { fixed, machineDescription, markdownTable, median } from './lib/report.js';
import {
  BareS3Client,
  storeStreamMinute,
  WORKLOAD_BYTES,
  WORKLOAD_REQUESTS,
  writeWorkloadFiles,
} from './lib/s3-workload.js';

const USAGE = `tsx bench/s3-request.ts [options]
  --requests N        requests per row (default 200; a tenth of it for part-sized bodies)
  --workload          replay one stream-minute of bench:record's uploads with both clients instead
  --rounds N          with --workload: replays per client, alternating (default 7; medians reported)
  --local-cpu S       with --workload or --outbox: a local round's CPU-s per stream-minute
                      (bench:record), to print the figures as shares of it
  --s3-checksums      with --workload: both clients go through a proxy (its own process) that checks
                      and echoes x-amz-checksum-crc32 as Amazon S3 does, so the store takes its CRC32 path
  --outbox            the outbox's catalog work per live segment job instead (lib/outbox-replay.ts, SQLite;
                      no S3): 20 folders × --rounds × 10 segments, claims of 1, 4 and 8 jobs`;

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string' },
    workload: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'local-cpu': { type: 'string' },
    's3-checksums': { type: 'boolean', default: false },
    outbox: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const SIZES = [
  { name: 'playlist', bytes: 300 },
  { name: 'segment', bytes: 1024 * 1024 },
  { name: 'part', bytes: 8 * 1024 * 1024 },
];

/** CPU milliseconds per call of `send`, after a few warm-up calls. */
async function cpuPerRequest(count: number, send: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < 3; i++) await send(-1 - i);
  return cpuMs(count, send);
}

/** CPU milliseconds per call of `send` (no warm-up). */
async function cpuMs(count: number, send: (i: number) => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) await send(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / count;
}

function sdkStore(s3: TestS3, ca: Buffer, expectContinue: boolean): S3ObjectStore {
  const httpsAgent = new Agent({ ca, keepAlive: true, maxSockets: 50 });
  const config = s3ClientConfig(s3.config);
  // An agent passed in is used even for `Expect` requests; the default one is not (see s3ClientConfig).
  return new S3ObjectStore(
    s3.config,
    new S3Client({
      ...config,
      ...(expectContinue ? { expectContinueHeader: 2_097_152 } : {}),
      requestHandler: expectContinue ? { httpsAgent: { ca } } : { httpsAgent },
    }),
  );
}

function barePut(s3: TestS3, agent: Agent, key: string, body: Buffer): Promise<void> {
  const url = new URL(`${s3.endpoint}/${s3.config.bucket}/${key}`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'PUT', agent, headers: { 'content-length': body.length, 'content-type': 'video/mp2t' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`bare PUT: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Per-request rows: bare and SDK PUTs of a playlist, a segment and a part. */
async function perRequest(s3: TestS3, ca: Buffer, store: S3ObjectStore, agent: Agent, requests: number) {
  const expecting = sdkStore(s3, ca, true);
  const rows: string[][] = [];
  try {
    for (const { name, bytes } of SIZES) {
      const body = randomBytes(bytes);
      const count = bytes > 2 * 1024 * 1024 ? Math.max(5, Math.floor(requests / 10)) : requests;
      const bare = await cpuPerRequest(count, (i) => barePut(s3, agent, `bare/${name}/${i}`, body));
      const sdk = await cpuPerRequest(count, (i) => store.putBytes(`sdk/${name}/${i}`, body, 'video/mp2t'));
      const expect =
        bytes >= 2 * 1024 * 1024
          ? fixed(
              await cpuPerRequest(count, (i) => expecting.putBytes(`exp/${name}/${i}`, body, 'video/mp2t')),
              2,
            )
          : '—';
      rows.push([
        `${name} (${bytes} B)`,
        String(count),
        fixed(bare, 2),
        fixed(sdk, 2),
        fixed(sdk - bare, 2),
        expect,
      ]);
    }
  } finally {
    expecting.close();
  }
  console.log(
    markdownTable(
      [
        'body',
        'requests',
        'bare https PUT, CPU ms',
        'SDK PutObject (LiveTape), CPU ms',
        'SDK adds, ms',
        'SDK with Expect: 100-continue, CPU ms',
      ],
      rows,
    ),
  );
}

/**
 * One stream-minute of uploads, `rounds` times per client (alternating, so both see the same machine),
 * and the MD5 / CRC32 of its bytes in this process: CPU-s per stream-minute, medians.
 */
async function workload(
  endpoint: string,
  store: S3ObjectStore,
  agent: Agent,
  rounds: number,
  localCpu?: number,
) {
  const dir = await mkdtemp(join(tmpdir(), 'livetape-s3-workload-'));
  try {
    const files = await writeWorkloadFiles(dir);
    const bare = new BareS3Client(`${endpoint}/${store.bucket}`, agent);
    await bare.streamMinute(files, 'warm-bare');
    await storeStreamMinute(store, files, 'warm-sdk');
    const bareMs: number[] = [];
    const storeMs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      bareMs.push(await cpuMs(1, () => bare.streamMinute(files, `bare/${round}`)));
      storeMs.push(await cpuMs(1, () => storeStreamMinute(store, files, `sdk/${round}`)));
    }
    const bytes = randomBytes(WORKLOAD_BYTES);
    const md5Ms = median(await repeatMs(rounds, () => createHash('md5').update(bytes).digest()));
    const crcMs = median(await repeatMs(rounds, () => crc32Base64(bytes)));
    const share = (ms: number) =>
      localCpu === undefined ? '' : `${fixed((ms / 1000 / localCpu) * 100, 1)} %`;
    const row = (what: string, ms: number) => [what, fixed(ms / 1000, 3), share(ms)];
    const bareMedian = median(bareMs);
    const storeMedian = median(storeMs);
    console.log(
      `One stream-minute: ${WORKLOAD_REQUESTS} requests, ${fixed(WORKLOAD_BYTES / 1024 / 1024, 1)} MiB; ` +
        `${rounds} rounds per client, medians (bare: ${bareMs.map((ms) => fixed(ms, 0)).join(', ')} ms; ` +
        `LiveTape: ${storeMs.map((ms) => fixed(ms, 0)).join(', ')} ms)` +
        (localCpu === undefined ? '' : `; shares of a local round of ${localCpu} CPU-s per stream-minute`) +
        '\n',
    );
    console.log(
      markdownTable(
        ['per stream-minute', 'CPU-s', 'of the local round'],
        [
          row('bare node:https client (the floor: TLS, HTTP, loopback, file reads)', bareMedian),
          row(`LiveTape's store through the AWS SDK (${store.verification} checks)`, storeMedian),
          row('… of which more than bare', storeMedian - bareMedian),
          row('MD5 of the 60 MiB alone (the check on a store without CRC32: s3rver)', md5Ms),
          row('CRC32 of the 60 MiB alone (the check on a CRC32-checking store)', crcMs),
        ],
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The checksum proxy in front of `s3`, in a child process (its CPU is not this process's). */
async function startProxyProcess(s3: TestS3): Promise<{ endpoint: string; stop(): void }> {
  const main = new URL('./lib/s3-checksum-proxy-main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', main, s3.endpoint, s3.caFile!, s3.keyFile!], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (data: Buffer) => {
      output += data.toString();
      const match = /listening (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`checksum proxy exited (${code}): ${output}`)));
  });
  return { endpoint, stop: () => child.kill() };
}

/** Live HLS jobs per stream-minute (4 s segments): what the outbox's cost per job is multiplied by. */
const LIVE_JOBS_PER_MINUTE = 15;

async function outbox(rounds: number, localCpu?: number): Promise<void> {
  const rows: string[][] = [];
  for (const limit of [1, 4, 8]) {
    const costs = await replayOutbox(20, rounds, limit);
    const perMinute = (costs.total * LIVE_JOBS_PER_MINUTE) / 1000;
    rows.push([
      String(limit),
      String(costs.jobs),
      fixed(costs.enqueue, 3),
      fixed(costs.claim, 3),
      fixed(costs.listOf, 3),
      fixed(costs.total, 3),
      fixed(perMinute, 4) + (localCpu === undefined ? '' : ` (${fixed((perMinute / localCpu) * 100, 1)} %)`),
    ]);
  }
  console.log(
    markdownTable(
      [
        'jobs per claim',
        'jobs',
        'enqueue, CPU ms/job',
        'claim (+ delete finished), ms/job',
        'folder job list, ms/job',
        'all, ms/job',
        `CPU-s per stream-minute (${LIVE_JOBS_PER_MINUTE} live jobs)`,
      ],
      rows,
    ),
  );
}

async function repeatMs(rounds: number, work: () => unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await cpuMs(1, async () => void work()));
  return times;
}

runMain(async () => {
  if (args.help) return console.log(USAGE);
  const requests = positiveInt('requests', args.requests, 200);
  const rounds = positiveInt('rounds', args.rounds, 7);
  const localCpu = args['local-cpu'] === undefined ? undefined : Number(args['local-cpu']);
  if (args['s3-checksums'] && !args.workload) throw new Error('--s3-checksums needs --workload');
  if (localCpu !== undefined && !(localCpu > 0))
    throw new Error(`--local-cpu must be a positive number, got "${args['local-cpu']}"`);
  console.log(`# bench:s3-request — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  if (args.outbox) return outbox(rounds * 10, localCpu);
  const s3 = await startS3rver({ tls: true });
  const ca = readFileSync(s3.caFile!);
  // The SDK's fresh per-request agent for `Expect` requests takes no options: trust s3rver process-wide.
  setDefaultCACertificates([...getCACertificates('default'), ca.toString()]);
  const proxy = args['s3-checksums'] ? await startProxyProcess(s3) : undefined;
  const endpoint = proxy?.endpoint ?? s3.endpoint;
  const store = sdkStore({ ...s3, config: { ...s3.config, endpoint } }, ca, false);
  const agent = new Agent({ ca, keepAlive: true, maxSockets: 50 });
  try {
    if (args.workload) await workload(endpoint, store, agent, rounds, localCpu);
    else await perRequest(s3, ca, store, agent, requests);
  } finally {
    store.close();
    agent.destroy();
    proxy?.stop();
    await s3.close();
  }
});
