/**
 * The retention sweeper on SQLite and PostgreSQL, with rows made directly in the catalog (old end times,
 * large cataloged sizes) and real files: what each rule deletes, that open files are never touched,
 * storage failures, logging and metrics.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import type { RecordingRow } from '../src/catalog/recording-row.js';
import { StreamHub } from '../src/live/hub.js';
import { createLogger } from '../src/log.js';
import { Metrics } from '../src/metrics.js';
import { RecordingRemover } from '../src/retention/remove-recording.js';
import { type RetentionPolicy, RetentionSweeper, retentionPolicy } from '../src/retention/sweeper.js';
import { MediaStore } from '../src/storage/media-store.js';
import { addRecording, type RecordingSpec } from './helpers/catalog-rows.js';
import { NO_POSTGRES, skipUnable } from './helpers/needs.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { waitFor } from './helpers/process.js';

const DAY = 86_400_000;
const GB = 1e9;
const NOW = Date.now();

let postgres: TestPostgres | undefined;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(() => postgres?.stop());

describe('retentionPolicy', () => {
  it('reads the two config keys, GB as 10^9 bytes', () => {
    expect(retentionPolicy({ retentionDays: 30, retentionMaxGb: 1.5 })).toEqual({
      maxAgeDays: 30,
      maxBytes: 1_500_000_000,
    });
  });
});

describe.each(['sqlite', 'postgres'] as const)('retention sweeper on %s', (engine) => {
  let dir: string;
  let catalog: Catalog;
  let store: MediaStore;
  let metrics: Metrics;
  let logLines: Array<Record<string, unknown>>;
  let sweeper: RetentionSweeper | undefined;

  beforeEach(async (ctx) => {
    if (engine === 'postgres' && postgres === undefined) {
      return skipUnable(ctx, 'postgres', NO_POSTGRES);
    }
    dir = await mkdtemp(join(tmpdir(), 'livetape-retention-'));
    catalog = await openCatalog({
      dataDir: dir,
      databaseUrl: engine === 'postgres' ? await postgres!.newDatabase() : undefined,
    });
    store = new MediaStore(join(dir, 'media'));
    metrics = new Metrics({
      hub: new StreamHub({ enabled: false, maxBytes: 0 }),
      catalog,
      recordings: { activeCount: 0 },
    });
    logLines = [];
  });
  afterEach(async () => {
    await sweeper?.close();
    sweeper = undefined;
    await catalog?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function makeSweeper(policy: RetentionPolicy, removeStore = store, intervalMs?: number): RetentionSweeper {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger('debug', { destination: sink, pretty: false });
    const remover = new RecordingRemover({ catalog, store: removeStore, log, metrics });
    sweeper = new RetentionSweeper({ catalog, remover, log, metrics, policy, intervalMs, now: () => NOW });
    return sweeper;
  }

  /** A finished file that ended `daysAgo` days before now. */
  const ended = (daysAgo: number, spec: Partial<RecordingSpec> = {}) =>
    addRecording(
      catalog,
      { startTime: NOW - daysAgo * DAY - 60_000, durationMs: 60_000, ...spec },
      store.root,
    );
  const open = (daysAgo: number, spec: Partial<RecordingSpec> = {}) =>
    addRecording(catalog, { startTime: NOW - daysAgo * DAY, status: 'recording', ...spec }, store.root);

  const onDisk = (row: RecordingRow) => existsSync(store.pathOf(row.storageKey));
  const remaining = async () => (await catalog.recordings.list({ limit: 1000 })).map((r) => r.id).sort();
  const counter = async (name: string, labels: string) =>
    Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(await metrics.exposition())?.[1] ?? 0);

  it('deletes files that ended more than RETENTION_DAYS ago, and never an open one', async () => {
    const old = [await ended(40), await ended(31, { format: 'hls' }), await ended(30.01, { stream: 's2' })];
    const young = [await ended(29.9), await ended(1)];
    const openOld = await open(100);
    const result = await makeSweeper({ maxAgeDays: 30, maxBytes: 0 }).sweep();

    expect(result).toEqual({ deletedByAge: 3, deletedBySize: 0, freedBytes: 3000, failed: 0 });
    expect(old.map(onDisk)).toEqual([false, false, false]);
    expect(existsSync(dirname(store.pathOf(old[1]!.storageKey)))).toBe(false);
    expect([...young, openOld].map(onDisk)).toEqual([true, true, true]);
    expect(await remaining()).toEqual([...young, openOld].map((r) => r.id).sort());
    expect(await counter('livetape_recordings_deleted_total', 'cause="age"')).toBe(3);
    expect(await counter('livetape_recordings_deleted_bytes_total', 'cause="age"')).toBe(3000);
  });

  it('deletes the oldest files until the total is under RETENTION_MAX_GB, counting open files too', async () => {
    const rows: RecordingRow[] = [];
    for (let i = 5; i >= 1; i--) rows.push(await ended(i, { sizeBytes: 1 * GB }));
    const openRow = await open(10);
    await catalog.recordings.updateOpen(openRow.id, { sizeBytes: 0.5 * GB });
    // 5.5 GB cataloged, cap 2.5 GB: the three oldest finished files go, the open one stays.
    const result = await makeSweeper({ maxAgeDays: 0, maxBytes: 2.5 * GB }).sweep();

    expect(result).toMatchObject({ deletedBySize: 3, deletedByAge: 0, freedBytes: 3 * GB });
    expect(rows.map(onDisk)).toEqual([false, false, false, true, true]);
    expect(onDisk(openRow)).toBe(true);
    expect(await catalog.recordings.totalBytes()).toBe(2.5 * GB);
    expect(await counter('livetape_recordings_deleted_total', 'cause="size"')).toBe(3);

    // Already under the cap: the next sweep deletes nothing.
    expect(await sweeper!.sweep()).toMatchObject({ deletedBySize: 0 });
  });

  it('applies both rules in one sweep and logs one line with the counts', async () => {
    await ended(50, { sizeBytes: 2 * GB });
    await ended(3, { sizeBytes: 2 * GB });
    const kept = await ended(1, { sizeBytes: 2 * GB });
    await makeSweeper({ maxAgeDays: 7, maxBytes: 3 * GB }).sweep();

    expect(await remaining()).toEqual([kept.id]);
    const summaries = logLines.filter((line) => line.msg === 'retention sweep');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      level: 30,
      deletedByAge: 1,
      deletedBySize: 1,
      freedBytes: 4 * GB,
      failed: 0,
    });
    expect(logLines.filter((line) => line.msg === 'recording deleted' && line.level === 20)).toHaveLength(2);
    expect(/^livetape_retention_sweeps_total 1$/m.test(await metrics.exposition())).toBe(true);
  });

  it('keeps a file it cannot remove, counts the failure, and goes on with the others', async () => {
    const stuck = await ended(40);
    const other = await ended(41);
    const failing = new (class extends MediaStore {
      override async remove(key: string): Promise<void> {
        if (key === stuck.storageKey) throw new Error('EIO: simulated');
        return super.remove(key);
      }
    })(store.root);
    const result = await makeSweeper({ maxAgeDays: 30, maxBytes: 0 }, failing).sweep();

    expect(result).toMatchObject({ deletedByAge: 1, failed: 1 });
    expect(onDisk(stuck)).toBe(true);
    expect(onDisk(other)).toBe(false);
    expect(await remaining()).toEqual([stuck.id]);
    expect(await counter('livetape_storage_failures_total', 'operation="delete"')).toBe(1);
    expect(logLines.some((line) => line.level === 40 && line.id === stuck.id)).toBe(true);
  });

  it('prunes emptied day folders of past days but keeps recent ones', async () => {
    const past = await ended(40);
    const recent = await ended(0);
    // A 1-byte cap deletes every finished file.
    await makeSweeper({ maxAgeDays: 0, maxBytes: 1 }).sweep();
    expect(await remaining()).toEqual([]);
    expect(existsSync(dirname(store.pathOf(past.storageKey)))).toBe(false);
    expect(existsSync(dirname(store.pathOf(recent.storageKey)))).toBe(true);
  });

  it('sweeps at start and every interval in the background, and stops on close', async () => {
    // Only the interval is faked: a deletion before it is advanced can only be the start sweep, and
    // after close no timer is left that could sweep later (no sleep needed to show it).
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const s = makeSweeper({ maxAgeDays: 30, maxBytes: 0 }, store, 60_000);
      // A sweep's last step prunes the emptied day folder, after the row is gone: waiting for the row
      // alone let the next file be written into a folder the sweep was about to remove.
      const swept = async (row: RecordingRow) =>
        (await remaining()).length === 0 && !existsSync(dirname(store.pathOf(row.storageKey)))
          ? true
          : undefined;
      const first = await ended(40);
      s.start();
      await waitFor(() => swept(first), 5000, 'the start sweep');
      const second = await ended(40);
      expect(await remaining()).toHaveLength(1);
      vi.advanceTimersByTime(60_000);
      await waitFor(() => swept(second), 5000, 'the interval sweep');
      await s.close();
      expect(vi.getTimerCount()).toBe(0);
      const late = await ended(40);
      vi.advanceTimersByTime(10 * 60_000);
      expect(await remaining()).toEqual([late.id]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does nothing with both rules off', async () => {
    const row = await ended(10_000);
    const s = makeSweeper(retentionPolicy({ retentionDays: 0, retentionMaxGb: 0 }));
    expect(s.enabled).toBe(false);
    s.start();
    expect(await s.sweep()).toEqual({ deletedByAge: 0, deletedBySize: 0, freedBytes: 0, failed: 0 });
    expect(onDisk(row)).toBe(true);
  });
});
