/**
 * Issue 11, attack 5: refused publishes used to store their whole query string in `pushes` and queue a
 * callback for each, never pruned. Many oversized refused publishes from one address must leave the
 * catalog nearly as it was; refused pushes are pruned after a week, the rest with the retention age.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../src/catalog/db.js';
import { chunked, closesWithin, openRaw, plainHandshake, startCommands } from './helpers/raw-rtmp.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const DAY_MS = 86_400_000;

async function catalogBytes(dataDir: string): Promise<number> {
  let total = 0;
  for (const name of ['livetape.db', 'livetape.db-wal']) {
    total += await stat(join(dataDir, name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

describe('refused publishes (PUSH_KEY set, callbacks on)', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Callbacks go to a closed port: each queued one would wait for its 12 retries.
    t = await startTestServer({ PUSH_KEY: 'refused-key', CALLBACK_URL: 'http://127.0.0.1:9/cb' });
  });
  afterAll(() => t.close());

  it('keeps the catalog small under 200 oversized refused publishes', async () => {
    const before = await catalogBytes(t.dataDir);
    const bigQuery = `junk=${'x'.repeat(50_000)}`;
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const conn = await openRaw(t.server.rtmpPort);
          conn.send(
            Buffer.concat([
              plainHandshake(),
              chunked(startCommands('live', `s${batch}_${i}?${bigQuery}`, 'publish')),
            ]),
          );
          // The server answers the refusal and waits for the client; this client leaves.
          await new Promise((resolve) => setTimeout(resolve, 50));
          conn.socket.destroy();
          await closesWithin(conn, 10_000);
        }),
      );
    }
    const db = new Database(join(t.dataDir, 'livetape.db'), { readonly: true });
    try {
      const pushes = db.prepare('SELECT stream_param FROM pushes').all() as Array<{ stream_param: string }>;
      // Rate-limited per address: 10 a minute, each query cut to 512 characters.
      expect(pushes.length).toBeGreaterThan(0);
      expect(pushes.length).toBeLessThanOrEqual(10);
      for (const row of pushes) expect(row.stream_param.length).toBeLessThanOrEqual(512);
    } finally {
      db.close();
    }
    const grew = (await catalogBytes(t.dataDir)) - before;
    console.log(`catalog grew by ${grew} bytes under 200 refused publishes of 50 KB queries`);
    // Unbounded: 200 × 50 KB in pushes, and as much again in queued callbacks (about 20 MB).
    expect(grew).toBeLessThan(1024 * 1024);
  }, 120_000);
});

describe('pruning the push log', () => {
  it('deletes refused pushes after their keep time and others with the retention age, never open ones', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'livetape-prune-'));
    const catalog = await openCatalog({ dataDir });
    try {
      const now = Date.now();
      const push = (id: string, startedAt: number) => ({
        sessionId: id,
        app: 'live',
        stream: id,
        streamParam: '',
        userIp: '203.0.113.7',
        node: 'n',
        startedAt,
      });
      const end = (endedAt: number, endReason: string) => ({ endedAt, endReason, errcode: 0, errmsg: '' });
      await catalog.pushes.end(push('old-refused', now - 9 * DAY_MS), end(now - 9 * DAY_MS, 'rejected'));
      await catalog.pushes.end(push('new-refused', now - DAY_MS), end(now - DAY_MS, 'rejected'));
      await catalog.pushes.end(push('old-ended', now - 40 * DAY_MS), end(now - 40 * DAY_MS, 'closeStream'));
      await catalog.pushes.end(push('recent-ended', now - 2 * DAY_MS), end(now - 2 * DAY_MS, 'closeStream'));
      await catalog.pushes.insertStarted(push('open', now - 90 * DAY_MS));
      const pruned = await catalog.pushes.prune({
        endedBefore: now - 30 * DAY_MS,
        rejectedBefore: now - 7 * DAY_MS,
      });
      expect(pruned).toBe(2);
      for (const id of ['new-refused', 'recent-ended', 'open'])
        expect(await catalog.pushes.get(id), id).toBeDefined();
      for (const id of ['old-refused', 'old-ended']) expect(await catalog.pushes.get(id), id).toBeUndefined();
    } finally {
      await catalog.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
