/**
 * `npm run bench:s3-request`: the CPU one upload request costs this process, against s3rver over https
 * (its own process, not counted): LiveTape's PUT through the AWS SDK (`S3ObjectStore.putBytes`: MD5,
 * Content-MD5, SigV4 with an unsigned payload, ETag check) next to a bare `node:https` PUT of the same
 * body on a kept-alive connection (the transport's floor), for a playlist-sized, a segment-sized and a
 * part-sized body; and the SDK with its default `Expect: 100-continue` for large bodies, which opens a
 * fresh TLS connection per request. Requests go one at a time; CPU is `process.cpuUsage` per request.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore, s3ClientConfig } from '../src/storage/s3-object-store.js';
import { startS3rver, type TestS3 } from '../test/helpers/s3rver.js';
import { positiveInt, runMain } from './lib/cli.js';
import { fixed, machineDescription, markdownTable } from './lib/report.js';

const USAGE = `tsx bench/s3-request.ts [options]
  --requests N   requests per row (default 200; a tenth of it for part-sized bodies)`;

const { values: args } = parseArgs({
  options: { requests: { type: 'string' }, help: { type: 'boolean', default: false } },
});

const SIZES = [
  { name: 'playlist', bytes: 300 },
  { name: 'segment', bytes: 1024 * 1024 },
  { name: 'part', bytes: 8 * 1024 * 1024 },
];

/** CPU milliseconds per call of `send`, after a few warm-up calls. */
async function cpuPerRequest(count: number, send: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < 3; i++) await send(-1 - i);
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

runMain(async () => {
  if (args.help) return console.log(USAGE);
  const requests = positiveInt('requests', args.requests, 200);
  console.log(`# bench:s3-request — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  const s3 = await startS3rver({ tls: true });
  const ca = readFileSync(s3.caFile!);
  // The SDK's fresh per-request agent for `Expect` requests takes no options: trust s3rver process-wide.
  setDefaultCACertificates([...getCACertificates('default'), ca.toString()]);
  const store = sdkStore(s3, ca, false);
  const expecting = sdkStore(s3, ca, true);
  const agent = new Agent({ ca, keepAlive: true, maxSockets: 50 });
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
    store.close();
    expecting.close();
    agent.destroy();
    await s3.close();
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
});
