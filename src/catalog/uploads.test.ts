/**
 * The upload outbox, the hold that keeps a closed file `recording` until it is stored, and the cluster's
 * live-stream registry, against real databases (SQLite and a throw-away PostgreSQL cluster).
 */
import { describe, expect, it } from 'vitest';
import { catalogEngines, catalogFor } from '../../test/helpers/catalog-engines.js';
import { addRecording } from '../../test/helpers/catalog-rows.js';
import type { LiveStreamEntry } from './live-streams.js';

const LEASE_MS = 10_000;
const engines = catalogEngines('livetape-uploads-');

describe.each(engines.each)('upload outbox and live registry on %s', (_engine, target) => {
  const catalogOf = catalogFor(target);

  it('claims the oldest job of each group only, with a lease, and retries later', async (ctx) => {
    const c = catalogOf(ctx);
    const first = await c.uploads.enqueue({ groupKey: 'g1', kind: 'object', storageKey: 'a/1.ts' });
    await c.uploads.enqueue({ groupKey: 'g1', kind: 'object', storageKey: 'a/index.m3u8' });
    const other = await c.uploads.enqueue({ groupKey: 'g2', kind: 'object', storageKey: 'b/1.ts' });
    const now = Date.now() + 1000;
    const claimed = await c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer: 'n:1:a', limit: 10 });
    expect(claimed.map((job) => job.id)).toEqual([first, other]);
    expect(claimed[0]).toMatchObject({ attempts: 1, claimedBy: 'n:1:a' });
    // Leased: nobody else gets them; the group's next job waits behind its first.
    expect(await c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer: 'm:1:b', limit: 10 })).toEqual([]);
    expect(await c.uploads.retryLater(claimed[0]!, now + 5000, 'ECONNREFUSED')).toBe(true);
    await c.uploads.complete([claimed[1]!.id]);
    expect(await c.uploads.backlog()).toMatchObject({ pending: 2, lastError: 'ECONNREFUSED' });
    expect(await c.uploads.claimDue({ now: now + 1000, leaseMs: LEASE_MS, claimer: 'x', limit: 10 })).toEqual(
      [],
    );
    const again = await c.uploads.claimDue({
      now: now + 5000,
      leaseMs: LEASE_MS,
      claimer: 'n:2:c',
      limit: 10,
    });
    expect(again.map((job) => [job.id, job.attempts])).toEqual([[first, 2]]);
    // A stale claim (the lease of an earlier attempt) cannot settle the job any more.
    expect(await c.uploads.retryLater(claimed[0]!, now, 'late')).toBe(false);
    // A restarted node gets its crashed run's claims back at once.
    expect(await c.uploads.releaseClaimsOfNode('n', now + 5000)).toBe(1);
    const released = await c.uploads.claimDue({
      now: now + 5000,
      leaseMs: LEASE_MS,
      claimer: 'n:3:d',
      limit: 10,
    });
    expect(released.map((job) => job.id)).toEqual([first]);
    await c.uploads.complete([released[0]!.id]);
  });

  it("deletes the jobs finished since the last claim in the claim's own transaction", async (ctx) => {
    const c = catalogOf(ctx);
    // Queued together (one statement), in order.
    const [segment, next] = await c.uploads.enqueueAll([
      { groupKey: 'f1', kind: 'object', storageKey: 'f/1.ts' },
      { groupKey: 'f1', kind: 'object', storageKey: 'f/2.ts' },
    ]);
    expect((await c.uploads.listOf('f1')).map((job) => job.id)).toEqual([segment, next]);
    const now = Date.now() + 1000;
    const round = (finished: string[]) =>
      c.uploads
        .claimDue({ now, leaseMs: LEASE_MS, claimer: 'n:1:f', limit: 10 }, finished)
        .then((jobs) => jobs.filter((job) => job.groupKey === 'f1').map((job) => job.id));
    expect(await round([])).toEqual([segment]);
    // The group's next job is due in the very round that deletes the one before it.
    expect(await round([segment!])).toEqual([next]);
    await c.uploads.complete([next!]);
    expect(await c.uploads.listOf('f1')).toEqual([]);
  });

  it("hands a node's jobs to that node only (its spool holds the file)", async (ctx) => {
    const c = catalogOf(ctx);
    const ofA = await c.uploads.enqueue({ groupKey: 'na', kind: 'object', storageKey: 'na/1.ts', node: 'a' });
    const now = Date.now() + 1000;
    const ids = (jobs: { id: string }[]) => jobs.map((job) => job.id).filter((id) => id === ofA);
    expect(ids(await c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer: 'b:1:x', limit: 50 }))).toEqual(
      [],
    );
    const claimed = await c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer: 'a:1:y', limit: 50 });
    expect(ids(claimed)).toEqual([ofA]);
    await c.uploads.complete(claimed.map((job) => job.id));
  });

  it('hands out whole recordings before live segments queued earlier', async (ctx) => {
    const c = catalogOf(ctx);
    for (let i = 0; i < 3; i++)
      await c.uploads.enqueue({ groupKey: `live${i}`, kind: 'object', storageKey: `l/${i}.ts` });
    const recording = await c.uploads.enqueue({ groupKey: 'rec', kind: 'recording', storageKey: 'r.flv' });
    const now = Date.now() + 1000;
    const [first] = await c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer: 'n:1:a', limit: 1 });
    expect(first?.id).toBe(recording);
    const rest = await c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer: 'n:1:a', limit: 10 });
    // (The catalog is shared with the tests before: their jobs may be claimed too.)
    expect(rest.map((job) => job.storageKey).filter((key) => key.startsWith('l/'))).toEqual([
      'l/0.ts',
      'l/1.ts',
      'l/2.ts',
    ]);
    await c.uploads.complete([first!, ...rest].map((job) => job.id));
  });

  it('never hands one job to two concurrent claimers', async (ctx) => {
    const c = catalogOf(ctx);
    for (let i = 0; i < 20; i++)
      await c.uploads.enqueue({ groupKey: `c${i}`, kind: 'object', storageKey: `c/${i}.ts` });
    const now = Date.now() + 1000;
    const rounds = await Promise.all(
      ['w1', 'w2', 'w3', 'w4'].map((claimer) =>
        c.uploads.claimDue({ now, leaseMs: LEASE_MS, claimer, limit: 20 }),
      ),
    );
    // (The first case left one job of its own behind.)
    const ids = rounds
      .flat()
      .filter((job) => job.groupKey.startsWith('c'))
      .map((job) => job.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    await c.uploads.complete(rounds.flat().map((job) => job.id));
  });

  it('keeps a closed file recording until it is stored, then makes it done with its extra work', async (ctx) => {
    const c = catalogOf(ctx);
    const finished: string[] = [];
    c.events.on('recordingFinished', (row) => finished.push(row.id));
    c.recordings.holdUntilStored = async (trx, row, announce) => {
      await c.uploads.enqueue(
        { groupKey: row.id, kind: 'recording', storageKey: row.storageKey, announce },
        trx,
      );
    };
    try {
      const held = await addRecording(c, { stream: 'held', startTime: Date.now() });
      expect(held).toMatchObject({ status: 'recording', reason: 'interval', sizeBytes: 1000 });
      expect(finished).toEqual([]);
      // Not the crash recovery's business: the file is closed.
      expect((await c.recordings.listOpen()).map((row) => row.id)).not.toContain(held.id);
      const [job] = await c.uploads.listOf(held.id);
      // addRecording passes no extra work: nothing to announce once stored.
      expect(job).toMatchObject({
        kind: 'recording',
        storageKey: held.storageKey,
        status: 'pending',
        announce: false,
      });
      const [claim] = await c.uploads.claimDue({
        now: Date.now() + 1000,
        leaseMs: LEASE_MS,
        claimer: 'n:1:a',
        limit: 50,
      });
      const done = await c.recordings.finishStored(held.id, async (trx) => {
        expect(await c.uploads.markStored(claim!, trx)).toBe(true);
      });
      expect(done).toMatchObject({ id: held.id, status: 'done' });
      expect(finished).toEqual([held.id]);
      expect((await c.uploads.listOf(held.id))[0]).toMatchObject({ status: 'stored' });
      // Once: a second attempt finds nothing waiting.
      expect(await c.recordings.finishStored(held.id, async () => {})).toBeUndefined();
    } finally {
      c.recordings.holdUntilStored = undefined;
    }
  });

  it('gives a stream to one node until its claim expires', async (ctx) => {
    const c = catalogOf(ctx);
    const now = Date.now();
    const entry = (node: string, sessionId: string, expiresAt: number): LiveStreamEntry => ({
      streamKey: 'live/x',
      node,
      nodeUrl: `http://${node}:8080`,
      sessionId,
      startedAt: now,
      expiresAt,
    });
    expect(await c.liveStreams.claim(entry('a', 's1', now + 8000), now)).toMatchObject({ node: 'a' });
    // B is refused while A's claim stands…
    expect(await c.liveStreams.claim(entry('b', 's2', now + 8000), now + 1000)).toMatchObject({ node: 'a' });
    await c.liveStreams.renew('a', now + 20_000);
    expect(await c.liveStreams.claim(entry('b', 's2', now + 30_000), now + 10_000)).toMatchObject({
      node: 'a',
    });
    expect((await c.liveStreams.listLive(now + 19_000)).map((e) => e.node)).toEqual(['a']);
    // …and gets it once A stops renewing (A died).
    expect(await c.liveStreams.listLive(now + 20_000)).toEqual([]);
    expect(await c.liveStreams.claim(entry('b', 's2', now + 30_000), now + 20_000)).toMatchObject({
      node: 'b',
    });
    // Only the holding session releases it.
    await c.liveStreams.release('live/x', 's1');
    expect(await c.liveStreams.listLive(now + 21_000)).toHaveLength(1);
    await c.liveStreams.release('live/x', 's2');
    expect(await c.liveStreams.listLive(now + 21_000)).toEqual([]);
  });
});
