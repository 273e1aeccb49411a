/**
 * `npm run bench:notify`: N real-time pushes recorded in short files; a receiver in this process
 * times each recording callback from the outbox row's commit (its `createdAt`, written in the
 * transaction that catalogs the file) to its arrival. Target: p99 < 1 s while the receiver is up.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { startPostgres, type TestPostgres } from '../test/helpers/postgres.js';
import { waitFor } from '../test/helpers/process.js';
import { loadBenchMedia } from './lib/bench-media.js';
import { positiveInt, runDir, runMain, withWorkDir } from './lib/cli.js';
import { LiveTapeServer } from './lib/livetape-server.js';
import { connectPublishers, pacePublishers } from './lib/paced-publishers.js';
import { fixed, machineDescription, markdownTable, saveResults } from './lib/report.js';

const USAGE = `tsx bench/notify.ts [options]
  --streams N     concurrent real-time 720p pushes (default 10)
  --seconds S     media seconds per push (default 30)
  --interval I    record_interval in seconds: one file per format every I s (default 2)
  --engine E      sqlite or postgres (a throw-away cluster from Debian's postgresql package); default sqlite`;

const { values: args } = parseArgs({
  options: {
    streams: { type: 'string' },
    seconds: { type: 'string' },
    interval: { type: 'string' },
    engine: { type: 'string', default: 'sqlite' },
    help: { type: 'boolean', default: false },
  },
});

const FORMATS = 'flv|mp4';
const TARGET_P99_MS = 1000;

interface NotificationJson {
  id: string;
  eventType: number;
  status: string;
  createdAt: string;
}

/** Receives callbacks and notes when each event id first arrived. */
async function startReceiver(): Promise<{
  url: string;
  arrivals: Map<string, number>;
  close(): Promise<void>;
}> {
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['x-livetape-event-id']);
      if (!arrivals.has(id)) arrivals.set(id, Date.now());
      res.end('{"code":0}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/callback`,
    arrivals,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Every notification in the delivery log, following its cursor. */
async function listNotifications(server: LiveTapeServer): Promise<NotificationJson[]> {
  const all: NotificationJson[] = [];
  let before: string | null = null;
  do {
    const res = await fetch(
      server.httpUrl(`/api/v1/notifications?limit=1000${before ? `&before=${before}` : ''}`),
    );
    const page = (await res.json()) as { notifications: NotificationJson[]; nextCursor: string | null };
    all.push(...page.notifications);
    before = page.nextCursor;
  } while (before);
  return all;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  if (args.help) return console.log(USAGE);
  const streams = positiveInt('streams', args.streams, 10);
  const seconds = positiveInt('seconds', args.seconds, 30);
  const interval = positiveInt('interval', args.interval, 2);
  if (args.engine !== 'sqlite' && args.engine !== 'postgres')
    throw new Error('--engine must be sqlite or postgres');
  const media = await loadBenchMedia();
  const receiver = await startReceiver();
  let cluster: TestPostgres | undefined;
  if (args.engine === 'postgres') {
    cluster = await startPostgres();
    if (cluster === undefined) throw new Error('--engine postgres needs the postgresql server binaries');
  }
  try {
    await withWorkDir(false, async (dir) => {
      const server = await LiveTapeServer.start({
        dataDir: await runDir(dir),
        settings: {
          RECORD_INTERVAL_MIN: '1',
          CALLBACK_URL_RECORD: receiver.url,
          CALLBACK_KEY: 'bench',
          ...(cluster ? { DATABASE_URL: await cluster.newDatabase() } : {}),
        },
      });
      try {
        const query = `record=${FORMATS}&record_interval=${interval}`;
        const urls = Array.from({ length: streams }, (_, i) => server.rtmpUrl(`notify${i}`, query));
        const clients = await connectPublishers(urls);
        await pacePublishers(clients, media, { durationMs: seconds * 1000, staggerMs: interval * 1000 });
        await Promise.all(clients.map((client) => client.close()));
        const rows = await waitFor(
          async () => {
            const all = (await listNotifications(server)).filter((n) => n.eventType === 100);
            const settled = all.length > 0 && all.every((n) => n.status !== 'pending');
            return settled && (await server.listRecordings()).length === all.length ? all : undefined;
          },
          120_000,
          'every file to be cataloged and its callback settled',
        );
        const met = await report(rows, receiver.arrivals, { streams, seconds, interval });
        if (!met) throw new Error(`target missed: every callback received, p99 < ${TARGET_P99_MS} ms`);
      } finally {
        await server.stop();
      }
    });
  } finally {
    await receiver.close();
    await cluster?.stop();
  }
}

/** Prints the figures and saves them; true when the target is met. */
async function report(
  rows: NotificationJson[],
  arrivals: Map<string, number>,
  shape: { streams: number; seconds: number; interval: number },
): Promise<boolean> {
  const latencies = rows
    .map((row) => (arrivals.get(row.id) ?? Number.NaN) - Date.parse(row.createdAt))
    .filter((ms) => !Number.isNaN(ms))
    .sort((a, b) => a - b);
  const missing = rows.length - latencies.length;
  const figures = {
    files: rows.length,
    missing,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
  };
  console.log(`# bench:notify — ${new Date().toISOString()}\n\n${machineDescription()}\n`);
  console.log(
    `${shape.streams} real-time 720p pushes × ${shape.seconds} s, record=${FORMATS}, record_interval=${shape.interval} s, catalog ${args.engine}\n`,
  );
  console.log(
    markdownTable(
      [
        'files called back',
        'not received',
        'p50 ms',
        'p90 ms',
        'p99 ms',
        'max ms',
        `p99 < ${TARGET_P99_MS} ms`,
      ],
      [
        [
          figures.files,
          missing,
          fixed(figures.p50, 0),
          fixed(figures.p90, 0),
          fixed(figures.p99, 0),
          fixed(figures.max, 0),
          missing === 0 && figures.p99 < TARGET_P99_MS ? 'yes' : 'no',
        ],
      ],
    ),
  );
  const saved = await saveResults('notify', {
    shape,
    engine: args.engine,
    machine: machineDescription(),
    figures,
    latencies,
  });
  console.log(`\nresults: ${saved}`);
  return missing === 0 && figures.p99 < TARGET_P99_MS;
}

runMain(main);
