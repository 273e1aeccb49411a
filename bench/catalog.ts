/**
 * `npm run bench:catalog`: a catalog of 1,000,000 files over 10,000 streams (batched multi-row inserts
 * in transactions), then the REST list queries repeated against it, on SQLite and on PostgreSQL:
 * p50/p99 per query, target p99 < 10 ms for one stream's time-filtered page of 100.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Insertable, sql } from 'kysely';
import { type Catalog, type CatalogOptions, openCatalog } from '../src/catalog/db.js';
import { pageQuery, type RecordingPageQuery } from '../src/catalog/recording-pages.js';
import type { RecordingFormat, RecordingsTable } from '../src/catalog/schema.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { positiveInt, runMain, withWorkDir } from './lib/cli.js';
import { fixed, machineDescription, markdownTable, saveResults } from './lib/report.js';

const USAGE = `tsx bench/catalog.ts [options]
  --files N       cataloged files (default 1000000)
  --streams N     streams they belong to, in 10 apps (default 10000)
  --queries N     timed runs of each query (default 2000, after 200 untimed)
  --engine E      sqlite, postgres or both (default both); PostgreSQL is DATABASE_URL if set, else a
                  throw-away cluster from Debian's postgresql package
  --keep          keep the SQLite file`;

const { values: args } = parseArgs({
  options: {
    files: { type: 'string' },
    streams: { type: 'string' },
    queries: { type: 'string' },
    engine: { type: 'string', default: 'both' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const APPS = 10;
const YEAR_START = Date.UTC(2025, 0, 1);
const YEAR_MS = 365 * 86_400_000;
const DAY_MS = 86_400_000;
/** Rows per INSERT (24 columns: far below SQLite's and PostgreSQL's bound-parameter limits). */
const ROWS_PER_INSERT = 1000;
const ROWS_PER_TRANSACTION = 50_000;
const WARMUP_RUNS = 200;
const TARGET_P99_MS = 10;
const FORMATS: RecordingFormat[] = ['flv', 'mp4', 'hls'];

interface Shape {
  files: number;
  streams: number;
}

interface QueryCase {
  name: string;
  /** A query for one run, random stream and window. */
  make(random: () => number): RecordingPageQuery;
}

interface QueryResult {
  engine: string;
  name: string;
  p50: number;
  p99: number;
  max: number;
  rowsPerPage: number;
  plan: string;
}

const streamOf = (i: number) => ({ app: `app${i % APPS}`, stream: `s${String(i).padStart(5, '0')}` });

/** One stream's finished files in a time window, as a client browsing a stream pages through them. */
function queryCases(shape: Shape): QueryCase[] {
  const window = (random: () => number, days: number) => {
    const from = YEAR_START + Math.floor(random() * (YEAR_MS - days * DAY_MS));
    return { from, to: from + days * DAY_MS };
  };
  const anyStream = (random: () => number) => streamOf(Math.floor(random() * shape.streams));
  return [
    {
      name: 'one stream (app + stream), 180-day window, page of 100, newest first',
      make: (random) => ({
        ...anyStream(random),
        status: 'done',
        ...window(random, 180),
        order: 'desc',
        limit: 100,
      }),
    },
    {
      name: 'one stream name in any app (Tencent style), whole year, page of 100, oldest first',
      make: (random) => ({ stream: anyStream(random).stream, status: 'done', order: 'asc', limit: 100 }),
    },
    {
      name: 'one app, 1-day window, page of 100, newest first',
      make: (random) => ({
        app: anyStream(random).app,
        status: 'done',
        ...window(random, 1),
        order: 'desc',
        limit: 100,
      }),
    },
  ];
}

/**
 * Files in time order, round-robin over the streams, spread over one year: every stream gets
 * files/streams files. Ids follow the catalog's layout (13 digits of ms, 6 of sequence).
 */
function* fileRows(shape: Shape): Generator<Insertable<RecordingsTable>> {
  const step = YEAR_MS / shape.files;
  const durationMs = Math.min(Math.floor(step * shape.streams), 1_800_000);
  for (let k = 0; k < shape.files; k++) {
    const { app, stream } = streamOf(k % shape.streams);
    const startTime = YEAR_START + Math.floor(k * step);
    const format = FORMATS[k % FORMATS.length]!;
    const id = String(startTime).padStart(13, '0') + String(k % 1_000_000).padStart(6, '0');
    const day = new Date(startTime).toISOString().slice(0, 10);
    yield {
      id,
      app,
      stream,
      format,
      status: 'done',
      storage_key: `${app}/${stream}/${day}/${stream}_${id}${format === 'hls' ? '/index.m3u8' : `.${format}`}`,
      size_bytes: 250_000_000,
      start_time: startTime,
      end_time: startTime + durationMs,
      duration_ms: durationMs,
      media_start_ms: 0,
      width: 1280,
      height: 720,
      video_codec: 'avc1.64001f',
      audio_codec: 'mp4a.40.2',
      bitrate: 1_100_000,
      stream_param: 'record=flv|mp4|hls',
      session_id: `session-${stream}`,
      broadcast_id: `session-${stream}`,
      reason: 'interval',
      warnings: null,
      created_at: startTime,
      updated_at: startTime,
    };
  }
}

async function fill(catalog: Catalog, shape: Shape): Promise<number> {
  const started = performance.now();
  const rows = fileRows(shape);
  let inserted = 0;
  while (inserted < shape.files) {
    await catalog.transaction(async (trx) => {
      for (let inTransaction = 0; inTransaction < ROWS_PER_TRANSACTION && inserted < shape.files; ) {
        const batch: Insertable<RecordingsTable>[] = [];
        for (let i = 0; i < ROWS_PER_INSERT && inserted + batch.length < shape.files; i++)
          batch.push(rows.next().value!);
        await trx.insertInto('recordings').values(batch).execute();
        inserted += batch.length;
        inTransaction += batch.length;
      }
    });
    process.stderr.write(`\r  inserted ${inserted.toLocaleString('en')} files`);
  }
  process.stderr.write('\n');
  return (performance.now() - started) / 1000;
}

/** The engine's plan for one instance of the query, to show which index served it. */
async function plan(catalog: Catalog, query: RecordingPageQuery): Promise<string> {
  const compiled = pageQuery(catalog.db, query).compile();
  const prefix = catalog.engine === 'sqlite' ? 'explain query plan ' : 'explain ';
  const result = await catalog.db.executeQuery<Record<string, string>>({
    ...compiled,
    sql: prefix + compiled.sql,
  });
  const lines = result.rows.map((row) => row.detail ?? row['QUERY PLAN'] ?? JSON.stringify(row));
  return lines
    .filter((line) => /index|scan|sort|search/i.test(line))
    .map((line) => line.trim())
    .join('; ');
}

/** A small deterministic PRNG, so every engine and run gets the same queries. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function measure(
  catalog: Catalog,
  engine: string,
  cases: QueryCase[],
  runs: number,
): Promise<QueryResult[]> {
  const results: QueryResult[] = [];
  for (const [index, queryCase] of cases.entries()) {
    const random = mulberry32(index + 1);
    for (let i = 0; i < WARMUP_RUNS; i++) await catalog.recordings.page(queryCase.make(random));
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const query = queryCase.make(random);
      const started = performance.now();
      const page = await catalog.recordings.page(query);
      times.push(performance.now() - started);
      rows += page.rows.length;
    }
    times.sort((a, b) => a - b);
    results.push({
      engine,
      name: queryCase.name,
      p50: percentile(times, 0.5),
      p99: percentile(times, 0.99),
      max: times.at(-1)!,
      rowsPerPage: rows / runs,
      plan: await plan(catalog, queryCase.make(mulberry32(99))),
    });
  }
  return results;
}

async function withEngine<T>(
  engine: string,
  dataDir: string,
  work: (options: CatalogOptions) => Promise<T>,
): Promise<T | undefined> {
  if (engine === 'sqlite') return work({ dataDir });
  if (process.env.DATABASE_URL) return work({ dataDir, databaseUrl: process.env.DATABASE_URL });
  const cluster = await startPostgres();
  if (cluster === undefined) {
    console.error('PostgreSQL skipped: no DATABASE_URL and no server binaries under /usr/lib/postgresql');
    return undefined;
  }
  try {
    return await work({ dataDir, databaseUrl: await cluster.newDatabase() });
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const shape: Shape = {
    files: positiveInt('files', args.files, 1_000_000),
    streams: positiveInt('streams', args.streams, 10_000),
  };
  const runs = positiveInt('queries', args.queries, 2000);
  const engines = args.engine === 'both' ? ['sqlite', 'postgres'] : [args.engine!];
  if (!engines.every((e) => e === 'sqlite' || e === 'postgres'))
    throw new Error(`--engine must be sqlite, postgres or both, got "${args.engine}"`);
  const cases = queryCases(shape);
  const results: QueryResult[] = [];
  const inserts: Array<[string, string, string]> = [];

  await withWorkDir(args.keep, async (dir) => {
    for (const engine of engines) {
      await withEngine(engine, dir, async (options) => {
        console.error(
          `${engine}: cataloging ${shape.files.toLocaleString('en')} files over ${shape.streams.toLocaleString('en')} streams`,
        );
        const catalog = await openCatalog(options);
        try {
          const seconds = await fill(catalog, shape);
          inserts.push([engine, fixed(seconds, 1), Math.round(shape.files / seconds).toLocaleString('en')]);
          // PostgreSQL plans from statistics, which autovacuum would gather only later.
          if (catalog.engine === 'postgres') await sql`analyze recordings`.execute(catalog.db);
          results.push(...(await measure(catalog, engine, cases, runs)));
        } finally {
          await catalog.close();
        }
      });
    }
  });

  console.log(
    `\nCatalog list queries: ${shape.files.toLocaleString('en')} files, ${shape.streams.toLocaleString('en')} streams, ${runs} runs each`,
  );
  console.log(`Machine: ${machineDescription()}\n`);
  console.log(markdownTable(['engine', 'bulk insert s', 'files/s'], inserts));
  console.log();
  console.log(
    markdownTable(
      ['engine', 'query', 'rows/page', 'p50 ms', 'p99 ms', 'max ms', `p99 < ${TARGET_P99_MS} ms`],
      results.map((r) => [
        r.engine,
        r.name,
        fixed(r.rowsPerPage, 0),
        fixed(r.p50),
        fixed(r.p99),
        fixed(r.max),
        r.p99 < TARGET_P99_MS ? 'yes' : '**no**',
      ]),
    ),
  );
  console.log('\nPlans:');
  for (const r of results) console.log(`- ${r.engine}, ${r.name}: ${r.plan}`);
  console.error(
    `\nresults: ${await saveResults('catalog', { shape, runs, machine: machineDescription(), inserts, results })}`,
  );
}

runMain(main);
