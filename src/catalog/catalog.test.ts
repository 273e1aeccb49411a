/**
 * Every repository method against real databases: a SQLite file in a temp dir and a throw-away
 * PostgreSQL cluster, running the identical cases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NO_POSTGRES, skipUnable } from '../../test/helpers/needs.js';
import { startPostgres } from '../../test/helpers/postgres.js';
import { createLogger } from '../log.js';
import { type Catalog, type CatalogOptions, openCatalog } from './db.js';
import { CatalogError, type CatalogErrorKind } from './errors.js';
import { newFileId } from './ids.js';
import { migrationProvider } from './migrations.js';
import {
  type FinishFacts,
  type NewRecording,
  openRecordingColumns,
  type RecordingRow,
} from './recording-row.js';

/** Hands out empty databases of one engine. */
interface EngineFixture {
  newTarget(): Promise<CatalogOptions>;
  stop(): Promise<void>;
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'livetape-catalog-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function sqliteFixture(): Promise<EngineFixture> {
  return { newTarget: async () => ({ dataDir: await tempDir() }), stop: async () => {} };
}

async function postgresFixture(): Promise<EngineFixture | undefined> {
  const cluster = await startPostgres();
  if (cluster === undefined) return undefined;
  return {
    newTarget: async () => ({ dataDir: await tempDir(), databaseUrl: await cluster.newDatabase() }),
    stop: () => cluster.stop(),
  };
}

let sequence = 0;
function openRow(overrides: Partial<NewRecording> = {}): NewRecording {
  sequence++;
  return {
    id: newFileId(),
    app: 'live',
    stream: 's1',
    format: 'flv',
    storageKey: `live/s1/${sequence}.flv`,
    startTime: 1_750_000_000_000 + sequence,
    sessionId: 'session-1',
    broadcastId: 'session-1',
    ...overrides,
  };
}

const facts: FinishFacts = {
  endTime: 1_750_000_060_000,
  sizeBytes: 7_500_000,
  durationMs: 60_000,
  reason: 'unpublish',
};

async function expectCatalogError(promise: Promise<unknown>, kind: CatalogErrorKind): Promise<CatalogError> {
  const error = await promise.then(
    () => expect.unreachable('expected a CatalogError'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CatalogError);
  expect((error as CatalogError).kind).toBe(kind);
  return error as CatalogError;
}

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
])('catalog on %s', (engine, makeFixture) => {
  let fixture: EngineFixture | undefined;
  let target: CatalogOptions;
  let catalog: Catalog;
  const finished: RecordingRow[] = [];

  beforeAll(async () => {
    fixture = await makeFixture();
  });
  afterAll(() => fixture?.stop());

  beforeEach(async (ctx) => {
    if (fixture === undefined) {
      return skipUnable(ctx, 'postgres', NO_POSTGRES);
    }
    target = await fixture.newTarget();
    catalog = await openCatalog(target);
    finished.length = 0;
    catalog.events.on('recordingFinished', (row) => finished.push(row));
  });
  afterEach(() => catalog?.close());

  it(`opens the ${engine} engine`, () => {
    expect(catalog.engine).toBe(engine);
  });

  describe('insertOpen / get', () => {
    it('stores an open row with defaults for facts not known yet', async () => {
      const row = openRow({
        streamParam: 'record_type=flv',
        width: 320,
        height: 240,
        videoCodec: 'avc1.64000d',
      });
      await catalog.recordings.insertOpen(row);
      const stored = await catalog.recordings.get(row.id);
      expect(stored).toMatchObject({
        ...row,
        status: 'recording',
        sizeBytes: 0,
        durationMs: 0,
        endTime: null,
        mediaStartMs: null,
        audioCodec: null,
        bitrate: null,
        reason: null,
        warnings: null,
      });
      expect(typeof stored!.startTime).toBe('number');
      expect(stored!.createdAt).toBe(stored!.updatedAt);
      expect(Math.abs(stored!.createdAt - Date.now())).toBeLessThan(60_000);
    });

    it('refuses a taken id with a duplicate error', async () => {
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      const error = await expectCatalogError(
        catalog.recordings.insertOpen({ ...row, stream: 'other' }),
        'duplicate',
      );
      expect(error.message).toContain(`insert recording ${row.id}`);
      expect(error.cause).toBeDefined();
    });

    it('returns undefined for an unknown id', async () => {
      expect(await catalog.recordings.get('1')).toBeUndefined();
    });
  });

  describe('updateOpen', () => {
    it('records facts learned so far and keeps the rest', async () => {
      const row = openRow({ videoCodec: 'avc1.64000d' });
      await catalog.recordings.insertOpen(row);
      await catalog.recordings.updateOpen(row.id, {
        sizeBytes: 1234,
        durationMs: 2000,
        warnings: ['timestamp jump'],
      });
      expect(await catalog.recordings.get(row.id)).toMatchObject({
        status: 'recording',
        sizeBytes: 1234,
        durationMs: 2000,
        warnings: ['timestamp jump'],
        videoCodec: 'avc1.64000d',
        storageKey: row.storageKey,
      });
    });

    it('fails for a missing or finished row', async () => {
      await expectCatalogError(catalog.recordings.updateOpen('1', { sizeBytes: 1 }), 'not_found');
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      await catalog.recordings.finish(row.id, facts);
      await expectCatalogError(catalog.recordings.updateOpen(row.id, { sizeBytes: 1 }), 'not_open');
    });
  });

  describe('finish', () => {
    it('turns the row done with its final facts, then emits recordingFinished', async () => {
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      const done = await catalog.recordings.finish(row.id, {
        ...facts,
        mediaStartMs: 40,
        audioCodec: 'mp4a.40.2',
      });
      expect(done).toMatchObject({
        ...row,
        ...facts,
        status: 'done',
        mediaStartMs: 40,
        audioCodec: 'mp4a.40.2',
        bitrate: 1_000_000, // 7.5 MB over 60 s
      });
      expect(done.updatedAt).toBeGreaterThanOrEqual(done.createdAt);
      expect(await catalog.recordings.get(row.id)).toEqual(done);
      expect(finished).toEqual([done]);
    });

    it('keeps an explicit bitrate', async () => {
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      expect((await catalog.recordings.finish(row.id, { ...facts, bitrate: 42 })).bitrate).toBe(42);
    });

    it('commits the work of `extra` in the same transaction', async () => {
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      const done = await catalog.recordings.finish(row.id, facts, async (trx) => {
        // The finish is visible inside the transaction; the outbox will read it the same way.
        const inside = await trx
          .selectFrom('recordings')
          .select('status')
          .where('id', '=', row.id)
          .executeTakeFirst();
        await trx
          .insertInto('settings')
          .values({ key: 'outbox', value: JSON.stringify(inside), updated_at: 0 })
          .execute();
      });
      expect(done.status).toBe('done');
      expect(await catalog.settings.get('outbox')).toEqual({ status: 'done' });
    });

    it('rolls everything back and emits nothing when `extra` throws', async () => {
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      const failure = new Error('outbox full');
      const error = await expectCatalogError(
        catalog.recordings.finish(row.id, facts, async (trx) => {
          await trx.insertInto('settings').values({ key: 'outbox', value: '1', updated_at: 0 }).execute();
          throw failure;
        }),
        'failed',
      );
      expect(error.cause).toBe(failure);
      expect(error.message).toBe(`finish recording ${row.id}: outbox full`);
      expect(await catalog.recordings.get(row.id)).toMatchObject({ status: 'recording', endTime: null });
      expect(await catalog.settings.get('outbox')).toBeUndefined();
      expect(finished).toEqual([]);
      // The row is still open, so the recorder (or recovery) can finish it later.
      await catalog.recordings.finish(row.id, facts);
      expect(finished).toHaveLength(1);
    });

    it('fails for a missing or already finished row', async () => {
      await expectCatalogError(catalog.recordings.finish('1', facts), 'not_found');
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      await catalog.recordings.finish(row.id, facts);
      await expectCatalogError(
        catalog.recordings.finish(row.id, { ...facts, reason: 'recovered' }),
        'not_open',
      );
      expect((await catalog.recordings.get(row.id))?.reason).toBe('unpublish');
      expect(finished).toHaveLength(1);
    });

    it('still resolves when a listener throws, and logs the listener error', async () => {
      const lines: string[] = [];
      const log = createLogger('error', {
        pretty: false,
        destination: { write: (line: string) => void lines.push(line) },
      });
      await catalog.close();
      catalog = await openCatalog({ ...target, log });
      catalog.events.on('recordingFinished', () => {
        throw new Error('listener bug');
      });
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      expect((await catalog.recordings.finish(row.id, facts)).status).toBe('done');
      expect(lines.join('')).toContain('listener bug');
    });

    it('survives 20 parallel opens and finishes', async () => {
      const rows = Array.from({ length: 20 }, () => openRow());
      const yieldInside = async () => new Promise<void>((resolve) => setTimeout(resolve, 1));
      await Promise.all(
        rows.map(async (row) => {
          await catalog.recordings.insertOpen(row);
          await catalog.recordings.finish(row.id, facts, yieldInside);
        }),
      );
      expect(finished).toHaveLength(20);
      expect(await catalog.recordings.listOpen()).toEqual([]);
      expect(await catalog.recordings.list({ status: 'done' })).toHaveLength(20);
    });
  });

  describe('listOpen', () => {
    it('lists only rows still recording, oldest first', async () => {
      const rows = [openRow(), openRow(), openRow()];
      for (const row of rows) await catalog.recordings.insertOpen(row);
      await catalog.recordings.finish(rows[1]!.id, facts);
      expect((await catalog.recordings.listOpen()).map((r) => r.id)).toEqual([rows[0]!.id, rows[2]!.id]);
    });
  });

  describe('list', () => {
    async function insertMany(count: number, overrides: (i: number) => Partial<NewRecording> = () => ({})) {
      const rows = Array.from({ length: count }, (_, i) => openRow(overrides(i)));
      // One multi-row insert: a commit per row would dominate the test's time.
      await catalog.db
        .insertInto('recordings')
        .values(rows.map((row) => openRecordingColumns(row, 0)))
        .execute();
      return rows;
    }

    it('returns newest first, 50 by default', async () => {
      const rows = await insertMany(60);
      const page = await catalog.recordings.list();
      expect(page.map((r) => r.id)).toEqual(
        rows
          .slice(-50)
          .reverse()
          .map((r) => r.id),
      );
    });

    it('filters by app, stream, format, status and broadcast', async () => {
      const rows = await insertMany(16, (i) => ({
        app: i % 2 ? 'live' : 'edu',
        stream: i % 4 < 2 ? 's1' : 's2',
        format: i % 8 < 4 ? 'flv' : 'hls',
        broadcastId: i < 8 ? 'b1' : 'b2',
      }));
      await catalog.recordings.finish(rows[15]!.id, facts);
      const ids = async (filter: Parameters<Catalog['recordings']['list']>[0]) =>
        (await catalog.recordings.list(filter)).map((r) => r.id);
      const expected = (keep: (i: number) => boolean) =>
        rows
          .filter((_, i) => keep(i))
          .reverse()
          .map((r) => r.id);

      expect(await ids({ app: 'live', stream: 's2' })).toEqual(expected((i) => i % 2 === 1 && i % 4 >= 2));
      expect(await ids({ format: 'hls' })).toEqual(expected((i) => i % 8 >= 4));
      expect(await ids({ broadcastId: 'b1', app: 'edu' })).toEqual(expected((i) => i < 8 && i % 2 === 0));
      expect(await ids({ status: 'done' })).toEqual([rows[15]!.id]);
      expect(await ids({ status: 'recording', stream: 's2', format: 'hls', app: 'live' })).toEqual(
        expected((i) => i !== 15 && i % 2 === 1 && i % 4 >= 2 && i % 8 >= 4),
      );
      expect(await ids({ app: 'nope' })).toEqual([]);
    });

    it('pages with the `before` cursor through every row exactly once', async () => {
      const rows = await insertMany(23, (i) => ({ stream: i % 3 ? 'a' : 'b' }));
      const seen: string[] = [];
      let before: string | undefined;
      for (;;) {
        const page = await catalog.recordings.list({ stream: 'a', limit: 5, before });
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(5);
        seen.push(...page.map((r) => r.id));
        before = page.at(-1)!.id;
      }
      expect(seen).toEqual(
        rows
          .filter((_, i) => i % 3)
          .reverse()
          .map((r) => r.id),
      );
    });

    it('caps the limit at 1000 and rejects a limit below 1', async () => {
      await insertMany(1001);
      expect(await catalog.recordings.list({ limit: 5000 })).toHaveLength(1000);
      await expectCatalogError(catalog.recordings.list({ limit: 0 }), 'invalid');
      await expectCatalogError(catalog.recordings.list({ limit: 2.5 }), 'invalid');
    });
  });

  describe('delete', () => {
    it('deletes a row once', async () => {
      const row = openRow();
      await catalog.recordings.insertOpen(row);
      expect(await catalog.recordings.delete(row.id)).toBe(true);
      expect(await catalog.recordings.get(row.id)).toBeUndefined();
      expect(await catalog.recordings.delete(row.id)).toBe(false);
    });
  });

  describe('settings', () => {
    it('stores, replaces and returns JSON values', async () => {
      expect(await catalog.settings.get('record')).toBeUndefined();
      await catalog.settings.set('record', { formats: ['flv', 'hls'], intervalS: 1800 });
      expect(await catalog.settings.get('record')).toEqual({ formats: ['flv', 'hls'], intervalS: 1800 });
      await catalog.settings.set('record', null);
      expect(await catalog.settings.get('record')).toBeNull();
    });

    it('rejects values without a JSON form', async () => {
      await expectCatalogError(catalog.settings.set('k', undefined), 'invalid');
      await expectCatalogError(catalog.settings.set('k', 1n), 'invalid');
    });
  });

  describe('transaction', () => {
    it('commits on success and rolls back on error', async () => {
      await catalog.transaction(async (trx) => {
        await trx.insertInto('settings').values({ key: 'a', value: '1', updated_at: 0 }).execute();
      });
      await expectCatalogError(
        catalog.transaction(async (trx) => {
          await trx.insertInto('settings').values({ key: 'b', value: '2', updated_at: 0 }).execute();
          throw new Error('abort');
        }),
        'failed',
      );
      expect([await catalog.settings.get('a'), await catalog.settings.get('b')]).toEqual([1, undefined]);
    });
  });

  it('keeps rows, settings and migrations when reopened, and migrates only once', async () => {
    const row = openRow();
    await catalog.recordings.insertOpen(row);
    await catalog.settings.set('k', [1]);
    catalog = await reopen(catalog, target);
    catalog = await reopen(catalog, target);
    expect(await catalog.recordings.get(row.id)).toMatchObject({ id: row.id, status: 'recording' });
    expect(await catalog.settings.get('k')).toEqual([1]);
    const applied = await sql<{ name: string }>`select name from livetape_migration`.execute(catalog.db);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(await migrationProvider.getMigrations()));
  });

  it('round-trips any row exactly, numbers as numbers', async () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !s.includes('\0'));
    const optionalText = fc.option(text, { nil: undefined });
    const bigNumber = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    const fileSize = fc.integer({ min: 0, max: 2 ** 40 });
    const dimension = fc.option(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { nil: undefined });
    const newRecording = fc.record({
      app: text,
      stream: text,
      format: fc.constantFrom('flv', 'mp4', 'hls', 'aac' as const),
      storageKey: text,
      startTime: bigNumber,
      sessionId: text,
      broadcastId: text,
      streamParam: optionalText,
      mediaStartMs: fc.option(bigNumber, { nil: undefined }),
      width: dimension,
      height: dimension,
      videoCodec: optionalText,
      audioCodec: optionalText,
    });
    const finishFacts = fc.record({
      endTime: bigNumber,
      sizeBytes: fileSize,
      durationMs: bigNumber,
      reason: fc.constantFrom('interval', 'codec_change', 'unpublish', 'recovered', 'disk_full' as const),
      bitrate: fc.option(bigNumber, { nil: undefined }),
      warnings: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(newRecording, finishFacts, async (fields, final) => {
        const id = newFileId();
        await catalog.recordings.insertOpen({ id, ...fields });
        const done = await catalog.recordings.finish(id, final);
        const stored = await catalog.recordings.get(id);
        expect(stored).toEqual(done);
        expect(stored).toMatchObject({
          id,
          ...fields,
          streamParam: fields.streamParam ?? '',
          mediaStartMs: fields.mediaStartMs ?? null,
          width: fields.width ?? null,
          height: fields.height ?? null,
          videoCodec: fields.videoCodec ?? null,
          audioCodec: fields.audioCodec ?? null,
          ...final,
          bitrate:
            final.bitrate ?? (final.durationMs ? Math.round((final.sizeBytes * 8000) / final.durationMs) : 0),
          warnings: final.warnings ?? null,
        });
        for (const key of ['startTime', 'endTime', 'sizeBytes', 'durationMs', 'bitrate'] as const) {
          expect(typeof stored![key]).toBe('number');
        }
      }),
      { numRuns: 40 },
    );
  });
});

async function reopen(catalog: Catalog, target: CatalogOptions): Promise<Catalog> {
  await catalog.close();
  return openCatalog(target);
}
