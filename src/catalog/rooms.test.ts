/**
 * Rooms and the watch page's recent-replays query against real databases (SQLite and a throw-away
 * PostgreSQL cluster); on SQLite, that the recent query walks the start-time index from its newest end.
 */
import { describe, expect, it } from 'vitest';
import { catalogEngines, catalogFor } from '../../test/helpers/catalog-engines.js';
import { addRecording } from '../../test/helpers/catalog-rows.js';
import { sqlitePlan } from '../../test/helpers/query-plan.js';
import { openCatalog } from './db.js';
import { recentFinishedQuery } from './vod-files.js';

const T0 = 1_750_000_000_000;
const MINUTE = 60_000;

const engines = catalogEngines('livetape-rooms-');

describe.each(engines.each)('rooms and recent files on %s', (_engine, target) => {
  const catalogOf = catalogFor(target);

  it('creates, replaces, lists, looks up and deletes rooms', async (ctx) => {
    const catalog = catalogOf(ctx);
    const before = Date.now();
    const made = await catalog.rooms.put({ stream: 'b-room', title: 'Morning show', coverUrl: null });
    expect(made).toMatchObject({ stream: 'b-room', title: 'Morning show', coverUrl: null });
    expect(made.updatedAt).toBeGreaterThanOrEqual(before);
    await catalog.rooms.put({ stream: 'a-room', title: 'First', coverUrl: 'https://img.example/a.jpg' });
    const replaced = await catalog.rooms.put({ stream: 'b-room', title: 'Evening show', coverUrl: '/c.png' });
    expect(await catalog.rooms.get('b-room')).toEqual(replaced);
    expect((await catalog.rooms.list()).map((room) => [room.stream, room.title, room.coverUrl])).toEqual([
      ['a-room', 'First', 'https://img.example/a.jpg'],
      ['b-room', 'Evening show', '/c.png'],
    ]);
    const some = await catalog.rooms.ofStreams(['b-room', 'nobody', 'b-room']);
    expect([...some.keys()]).toEqual(['b-room']);
    expect(await catalog.rooms.ofStreams([])).toEqual(new Map());
    expect(await catalog.rooms.delete('b-room')).toBe(true);
    expect(await catalog.rooms.delete('b-room')).toBe(false);
    expect(await catalog.rooms.get('b-room')).toBeUndefined();
  });

  it('lists finished files of a window lasting long enough, newest first, up to a limit', async (ctx) => {
    const catalog = catalogOf(ctx);
    const add = (minute: number, extra: { durationMs?: number; status?: 'recording' } = {}) =>
      addRecording(catalog, {
        stream: 'recent',
        startTime: T0 + minute * MINUTE,
        durationMs: extra.durationMs ?? MINUTE,
        status: extra.status,
      });
    await add(-10); // before the window
    const inWindow = [await add(1), await add(2), await add(3)];
    await add(4, { durationMs: MINUTE - 1 }); // too short
    await add(5, { status: 'recording' }); // still being written
    const newest = [...inWindow].reverse().map((row) => row.id);
    const recent = (limit: number) =>
      catalog.vodFiles.recentFinished({ since: T0, minDurationMs: MINUTE, limit });
    expect((await recent(10)).map((row) => row.id)).toEqual(newest);
    expect((await recent(2)).map((row) => row.id)).toEqual(newest.slice(0, 2));
  });
});

describe('recent files query plan (SQLite)', () => {
  it('walks the start-time index newest first, with no sort', async () => {
    const catalog = await openCatalog(await engines.sqlite());
    try {
      const detail = await sqlitePlan(
        catalog.db,
        recentFinishedQuery(catalog.db, {
          since: T0,
          minDurationMs: MINUTE,
          limit: 400,
        }),
      );
      expect(detail).toContain('recordings_start_time');
      expect(detail).not.toContain('TEMP B-TREE');
    } finally {
      await catalog.close();
    }
  });
});
