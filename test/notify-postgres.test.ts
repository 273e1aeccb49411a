/**
 * Two LiveTape processes on one PostgreSQL share the outbox: every event is delivered, in order per
 * stream, and no attempt is ever made twice (the receiver counts by X-LiveTape-Event-Id + attempt).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../src/catalog/db.js';
import {
  ACK,
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { type ChildServer, freePort, startChildServer } from './helpers/child-server.js';
import { describeIfAble } from './helpers/needs.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { sleep, waitFor } from './helpers/process.js';

const KEY = 'pg-key';
const STREAMS = 12;
const PER_STREAM = 25;

const cluster: TestPostgres | undefined = await startPostgres();

describeIfAble(
  'postgres',
  'callbacks from two processes on one PostgreSQL',
  cluster
    ? undefined
    : 'needs PostgreSQL server binaries (Debian package `postgresql`), which are not installed',
  () => {
    let receiver: CallbackReceiver;
    let databaseUrl: string;
    let catalog: Catalog;
    const servers: ChildServer[] = [];
    const dirs: string[] = [];

    beforeAll(async () => {
      receiver = await startCallbackReceiver();
      databaseUrl = await cluster!.newDatabase();
      for (const node of ['node-a', 'node-b']) {
        const dataDir = await mkdtemp(join(tmpdir(), `livetape-notify-pg-${node}-`));
        dirs.push(dataDir);
        servers.push(
          await startChildServer(
            dataDir,
            { rtmp: await freePort(), http: await freePort() },
            {
              DATABASE_URL: databaseUrl,
              NODE_NAME: node,
              CALLBACK_URL: receiver.url,
              CALLBACK_KEY: KEY,
              APPID: '1400000001',
              CALLBACK_RETRY_INTERVAL: '0.2',
              CALLBACK_RETRY_COUNT: '1000',
              // Fewer streams at once than the test has: one node cannot hold every stream, so both share
              // the backlog however the machine schedules them.
              CALLBACK_CONCURRENCY: '4',
              LOG_LEVEL: 'debug',
            },
          ),
        );
      }
      catalog = await openCatalog({ dataDir: dirs[0]!, databaseUrl });
    });
    afterAll(async () => {
      for (const server of servers) server.child.kill('SIGTERM');
      await Promise.all(servers.map((server) => server.exited));
      await catalog?.close();
      await receiver?.close();
      await cluster?.stop();
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    });

    it('delivers every pending event once per attempt, in order per stream, sharing the work', async () => {
      // Down first, so both workers hold a backlog of failing heads when it comes back.
      receiver.answer = () => ({ status: 503, body: 'later' });
      const ids: string[] = [];
      for (let i = 0; i < PER_STREAM; i++) {
        for (let s = 0; s < STREAMS; s++) {
          const payload = JSON.stringify({ event_type: 1, stream_id: `s${s}`, seq: i });
          ids.push(
            await catalog.notifications.enqueue({
              eventType: 1,
              streamKey: `live/s${s}`,
              url: receiver.url,
              payload,
            }),
          );
        }
      }
      // Both nodes must have claimed (and failed) heads, or a loaded machine can let one node claim every
      // stream's head before the other's first poll and deliver everything.
      const failedBy = (server: (typeof servers)[number]) =>
        server.output().split('notify: callback attempt failed').length - 1;
      await waitFor(
        () =>
          receiver.received.length >= STREAMS * 2 && servers.every((server) => failedBy(server) > 0)
            ? true
            : undefined,
        60_000,
        'failed attempts from both nodes',
      );
      // A receiver that takes a moment per callback, as real ones do: a node holding its streams is busy
      // while the other claims the rest.
      receiver.answer = () => ({ ...ACK, delayMs: 20 });
      await receiver.waitForAccepted(ids.length, 60_000);
      await sleep(500);

      const attempts = new Map<string, number>();
      for (const callback of receiver.received) {
        const key = `${callback.eventId}#${callback.attempt}`;
        attempts.set(key, (attempts.get(key) ?? 0) + 1);
      }
      expect([...attempts].filter(([, count]) => count > 1)).toEqual([]);
      expect(receiver.accepted.map((c) => c.eventId).sort()).toEqual([...ids].sort());

      for (let s = 0; s < STREAMS; s++) {
        const delivered = receiver.accepted
          .filter((c) => c.body.stream_id === `s${s}`)
          .map((c) => c.body.seq);
        expect(delivered).toEqual([...Array(PER_STREAM).keys()]);
      }
      // These synthetic payloads carry few fields; their signatures are what the receiver can check.
      for (const callback of receiver.accepted.slice(0, 20)) {
        expect(callbackProblems(callback, KEY).filter((p) => !p.includes('should be'))).toEqual([]);
      }
      const deliveredBy = servers.map(
        (server) => server.output().split('notify: callback delivered').length - 1,
      );
      expect(deliveredBy[0]! + deliveredBy[1]!).toBe(ids.length);
      // Both nodes claimed work from the shared outbox (one doing everything would pass the above).
      expect(Math.min(...deliveredBy), `deliveries per node: ${deliveredBy}`).toBeGreaterThan(
        ids.length / 10,
      );
    });

    it('applies a settings change made on one node to the other within a second or so', async () => {
      const [a, b] = servers;
      const res = await fetch(a!.httpUrl('/api/v1/settings/callbacks'), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ retry: { count: 7 } }),
      });
      expect(res.status).toBe(200);
      receiver.answer = () => ({ status: 500 });
      // Each node re-reads the settings when its copy is a second old.
      await sleep(1500);
      await catalog.notifications.enqueue({
        eventType: 1,
        streamKey: 'live/settings',
        url: receiver.url,
        payload: '{"x":1}',
      });
      const dead = await waitFor(
        async () => (await catalog.notifications.list({ streamKey: 'live/settings', status: 'dead' }))[0],
        15_000,
        'the event to die after 8 attempts',
      );
      expect(dead.attempts).toBe(8);
      const seen = await (await fetch(b!.httpUrl('/api/v1/settings/callbacks'))).json();
      expect(seen).toMatchObject({ retry: { count: 7 }, overridden: ['retry.count'] });
    });
  },
);
