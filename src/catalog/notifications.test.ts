/**
 * The outbox and push log against real databases: a SQLite file and a throw-away PostgreSQL cluster,
 * running the identical cases — ordering per stream, leases, settling, redelivery, concurrent claims.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Compilable } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../../test/helpers/postgres.js';
import { sqlitePlan } from '../../test/helpers/query-plan.js';
import { type Catalog, type CatalogOptions, openCatalog } from './db.js';
import { dueQuery, type NotificationRow, notificationListQuery } from './notifications.js';
import type { PushStart } from './pushes.js';

const tempDirs: string[] = [];
let cluster: TestPostgres | undefined;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function newTarget(engine: 'sqlite' | 'postgres'): Promise<CatalogOptions> {
  const dataDir = await mkdtemp(join(tmpdir(), 'livetape-outbox-'));
  tempDirs.push(dataDir);
  return engine === 'sqlite' ? { dataDir } : { dataDir, databaseUrl: await cluster!.newDatabase() };
}

const LEASE_MS = 10_000;

describe.each(['sqlite', 'postgres'] as const)('outbox on %s', (engine) => {
  let catalog: Catalog;
  let t0: number;
  beforeEach(async (context) => {
    if (engine === 'postgres' && cluster === undefined) {
      context.skip('PostgreSQL server binaries are not installed');
      return;
    }
    catalog = await openCatalog(await newTarget(engine));
    t0 = Date.now() + 1000;
  });
  afterEach(async () => {
    await catalog?.close();
  });

  const enqueue = (streamKey: string, eventType = 1) =>
    catalog.notifications.enqueue({
      eventType,
      streamKey,
      url: 'http://receiver.example/cb',
      payload: `{"event_type":${eventType}}`,
    });
  const claim = (now: number, claimer = 'w1', limit = 10) =>
    catalog.notifications.claimDue({ now, leaseMs: LEASE_MS, claimer, limit });
  const ids = (rows: NotificationRow[]) => rows.map((row) => row.id);
  const ok = { status: 200, error: null, response: '{"code":0}' };
  const failed = { status: 500, error: null, response: 'down' };

  it('hands out only the oldest pending row of each stream, counting the attempt under a lease', async () => {
    const a1 = await enqueue('live/a');
    const a2 = await enqueue('live/a');
    const b1 = await enqueue('live/b');
    const first = await claim(t0);
    expect(ids(first)).toEqual([a1, b1]);
    expect(first[0]).toMatchObject({
      attempts: 1,
      claimedBy: 'w1',
      claimedUntil: t0 + LEASE_MS,
      lastAttemptAt: t0,
    });
    // Leased rows are nobody else's, and a2 waits behind a1.
    expect(await claim(t0 + 1, 'w2')).toEqual([]);
    expect(await catalog.notifications.settle(first[0]!, ok, { status: 'delivered', at: t0 + 2 })).toBe(true);
    expect(ids(await claim(t0 + 3, 'w2'))).toEqual([a2]);
    expect(await catalog.notifications.get(a1)).toMatchObject({
      status: 'delivered',
      deliveredAt: t0 + 2,
      lastStatus: 200,
      lastResponse: '{"code":0}',
      claimedBy: null,
    });
  });

  it('keeps a stream waiting while its head waits for a retry, and moves on once it is dead', async () => {
    const a1 = await enqueue('live/a');
    const a2 = await enqueue('live/a');
    const [head] = await claim(t0);
    await catalog.notifications.settle(head!, failed, { status: 'pending', nextAttemptAt: t0 + 500 });
    expect(await claim(t0 + 100)).toEqual([]);
    const [retry] = await claim(t0 + 500);
    expect(retry).toMatchObject({ id: a1, attempts: 2, lastStatus: 500, lastResponse: 'down' });
    await catalog.notifications.settle(retry!, failed, { status: 'dead' });
    expect(ids(await claim(t0 + 600))).toEqual([a2]);
  });

  it('lets another worker take a row whose lease ran out; the stale claim can no longer settle it', async () => {
    await enqueue('live/a');
    const [stale] = await claim(t0, 'w1');
    const [taken] = await claim(t0 + LEASE_MS, 'w2');
    expect(taken).toMatchObject({ id: stale!.id, attempts: 2, claimedBy: 'w2' });
    expect(await catalog.notifications.settle(stale!, ok, { status: 'delivered', at: t0 })).toBe(false);
    expect(await catalog.notifications.settle(taken!, ok, { status: 'delivered', at: t0 })).toBe(true);
  });

  it('releases an interrupted attempt: due again at once, its attempt number used up', async () => {
    await enqueue('live/a');
    const [claimed] = await claim(t0);
    expect(await catalog.notifications.release(claimed!, t0 + 5)).toBe(true);
    const [again] = await claim(t0 + 5, 'w2');
    expect(again).toMatchObject({
      id: claimed!.id,
      attempts: 2,
      lastError: 'attempt interrupted by shutdown',
    });
  });

  it('redelivers a dead or delivered row with a fresh retry budget, never a pending one', async () => {
    const id = await enqueue('live/a');
    expect(await catalog.notifications.redeliver(id, t0)).toEqual({ refused: 'pending' });
    expect(await catalog.notifications.redeliver('1', t0)).toEqual({ refused: 'not_found' });
    const [claimed] = await claim(t0);
    await catalog.notifications.settle(claimed!, failed, { status: 'dead' });
    const result = await catalog.notifications.redeliver(id, t0 + 10, 'http://new.example/cb');
    expect(result).toEqual({
      row: expect.objectContaining({
        status: 'pending',
        attempts: 1,
        retryBase: 1,
        nextAttemptAt: t0 + 10,
        url: 'http://new.example/cb',
      }),
    });
    expect(await claim(t0 + 10)).toEqual([expect.objectContaining({ id, attempts: 2 })]);
  });

  it('lists newest first, filtered by status and stream, in pages', async () => {
    const a = [await enqueue('live/a'), await enqueue('live/a'), await enqueue('live/a')];
    const b1 = await enqueue('live/b');
    const [claimed] = await claim(t0, 'w1', 1);
    await catalog.notifications.settle(claimed!, ok, { status: 'delivered', at: t0 });
    expect(ids(await catalog.notifications.list())).toEqual([b1, a[2], a[1], a[0]]);
    expect(ids(await catalog.notifications.list({ streamKey: 'live/a', limit: 2 }))).toEqual([a[2], a[1]]);
    expect(ids(await catalog.notifications.list({ streamKey: 'live/a', before: a[1] }))).toEqual([a[0]]);
    expect(ids(await catalog.notifications.list({ status: 'delivered' }))).toEqual([a[0]]);
    expect(ids(await catalog.notifications.list({ status: 'pending', streamKey: 'live/b' }))).toEqual([b1]);
  });

  it('never gives one attempt to two workers claiming at the same time', async () => {
    const streams = 8;
    const perStream = 6;
    for (let i = 0; i < perStream; i++) for (let s = 0; s < streams; s++) await enqueue(`live/s${s}`);
    const seen = new Map<string, number>();
    const order = new Map<string, string[]>();
    const worker = async (name: string) => {
      for (let round = 0; seen.size < streams * perStream && round < 5000; round++) {
        const claims = await claim(t0 + round, name, 3);
        for (const row of claims) {
          const key = `${row.id}#${row.attempts}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
          order.set(row.streamKey, [...(order.get(row.streamKey) ?? []), row.id]);
          await catalog.notifications.settle(row, ok, { status: 'delivered', at: t0 });
        }
      }
    };
    await Promise.all(['w1', 'w2', 'w3', 'w4'].map(worker));
    expect(seen.size).toBe(streams * perStream);
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
    for (const delivered of order.values()) expect(delivered).toEqual([...delivered].sort());
  });

  describe('push log', () => {
    const push: PushStart = {
      sessionId: 'session-1',
      app: 'live',
      stream: 's1',
      streamParam: 'record=flv',
      userIp: '203.0.113.7',
      node: 'node-a',
      startedAt: 1_750_000_000_000,
    };
    const end = {
      endedAt: 1_750_000_005_000,
      endReason: 'closeStream',
      errcode: 2,
      errmsg: 'recv rtmp closeStream',
    };

    it('records a push from start to end, and lists a node’s open pushes', async () => {
      await catalog.pushes.insertStarted(push);
      await catalog.pushes.insertStarted({ ...push, sessionId: 'session-2', node: 'node-b' });
      expect((await catalog.pushes.listOpen('node-a')).map((p) => p.sessionId)).toEqual(['session-1']);
      expect(await catalog.pushes.listOpen()).toHaveLength(2);
      await catalog.pushes.end(push, end);
      expect(await catalog.pushes.get('session-1')).toEqual({ ...push, ...end });
      expect(await catalog.pushes.listOpen('node-a')).toEqual([]);
    });

    it('writes a whole row for a push whose start was never logged, and ends a push only once', async () => {
      await catalog.pushes.end(push, end);
      await catalog.pushes.end(push, { ...end, errcode: 3 });
      expect(await catalog.pushes.get('session-1')).toMatchObject({ errcode: 2, endedAt: end.endedAt });
    });

    it('commits a push and its callback together or not at all', async () => {
      await expect(
        catalog.transaction(async (trx) => {
          await catalog.pushes.insertStarted(push, trx);
          await catalog.notifications.enqueue(
            { eventType: 1, streamKey: 'live/s1', url: 'u', payload: '{"a":1}' },
            trx,
          );
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await catalog.pushes.get('session-1')).toBeUndefined();
      expect(await catalog.notifications.list()).toEqual([]);
    });
  });
});

describe('outbox indexes (SQLite plans)', () => {
  let catalog: Catalog;
  beforeAll(async () => {
    catalog = await openCatalog(await newTarget('sqlite'));
  });
  afterAll(() => catalog.close());

  const plan = (query: Compilable) => sqlitePlan(catalog.db, query);

  it('walks pending rows in id order and probes each stream by index', async () => {
    const detail = await plan(dueQuery(catalog.db, Date.now(), 16));
    expect(detail).toContain('notifications_status_id');
    expect(detail).toContain('notifications_stream_key_status_id');
    expect(detail).not.toContain('TEMP B-TREE');
  });

  it.each([
    [{ status: 'dead' as const }, 'notifications_status_id'],
    [{ streamKey: 'live/a' }, 'notifications_stream_key_id'],
    [
      { status: 'pending' as const, streamKey: 'live/a', before: '1750000000000000000' },
      'notifications_stream_key_status_id',
    ],
  ])('lists %j through %s without sorting', async (filter, index) => {
    const detail = await plan(notificationListQuery(catalog.db, filter));
    expect(detail).toContain(index);
    expect(detail).not.toContain('TEMP B-TREE');
  });
});
