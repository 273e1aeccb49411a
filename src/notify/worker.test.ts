import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Catalog, openCatalog } from '../catalog/db.js';
import { createLogger } from '../log.js';
import type { AttemptRequest, AttemptResult, PostCallback } from './http-attempt.js';
import type { CallbackSettings } from './settings.js';
import { DeliveryWorker } from './worker.js';

const settings: CallbackSettings = {
  urls: { all: 'http://receiver.invalid/', push: '', unpush: '', record: '', snapshot: '', recordStatus: '' },
  key: 'k',
  strict: false,
  timeoutSec: 5,
  retry: { intervalSec: 0.1, count: 3, backoff: 'fixed' },
};
/** Never reached in a test: only wake() and the retry timer move the worker. */
const POLL_MS = 60_000;
const OK: AttemptResult = { status: 200, error: null, response: '', interrupted: false };
const DOWN: AttemptResult = { status: 503, error: null, response: 'down', interrupted: false };

describe('delivery worker', () => {
  let dir: string;
  let catalog: Catalog;
  let worker: DeliveryWorker | undefined;
  const calls: { at: number; request: AttemptRequest }[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livetape-worker-'));
    catalog = await openCatalog({ dataDir: dir });
    calls.length = 0;
  });
  afterEach(async () => {
    await worker?.close();
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A worker whose poll never fires during a test: only wake() and its own retry timer move it. */
  function startWorker(answer: (request: AttemptRequest) => Promise<AttemptResult>): DeliveryWorker {
    const post: PostCallback = (request) => {
      calls.push({ at: Date.now(), request });
      return answer(request);
    };
    worker = new DeliveryWorker({
      outbox: catalog.notifications,
      settings: () => settings,
      log: createLogger('silent'),
      claimer: 'test',
      pollMs: POLL_MS,
      post,
    });
    return worker;
  }
  const enqueue = () =>
    catalog.notifications.enqueue({
      eventType: 1,
      streamKey: 'live/s',
      url: 'http://receiver.invalid/cb',
      payload: '{"a":1}',
    });
  const until = async (check: () => Promise<boolean> | boolean) => {
    // Generous: a loaded CI machine may take seconds; the assertions after it check what happened, not how fast.
    for (let i = 0; i < 1500 && !(await check()); i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('delivers at once when woken, signing the body and naming the event and attempt', async () => {
    const id = await enqueue();
    const queuedAt = Date.now();
    startWorker(async () => OK).wake();
    await until(async () => (await catalog.notifications.get(id))?.status === 'delivered');
    expect(calls).toHaveLength(1);
    // The poll is a minute away and `until` gives up long before: only wake() can have sent it.
    expect(calls[0]!.at - queuedAt).toBeLessThan(POLL_MS / 2);
    const { request } = calls[0]!;
    expect(request.headers).toMatchObject({ 'x-livetape-event-id': id, 'x-livetape-attempt': '1' });
    expect(request.headers['x-livetape-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(request.body)).toMatchObject({ a: 1, t: expect.any(Number), sign: expect.any(String) });
    expect(request.timeoutMs).toBe(5000);
  });

  it('retries on its own timer, then dead-letters after the last retry', async () => {
    const id = await enqueue();
    startWorker(async () => DOWN).wake();
    await until(async () => (await catalog.notifications.get(id))?.status === 'dead');
    expect(calls.map((c) => c.request.headers['x-livetape-attempt'])).toEqual(['1', '2', '3', '4']);
    const gaps = calls.slice(1).map((c, i) => c.at - calls[i]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(95);
    expect(await catalog.notifications.get(id)).toMatchObject({
      attempts: 4,
      lastStatus: 503,
      lastResponse: 'down',
    });
  });

  it('on close, lets a quick attempt finish and settle', async () => {
    const id = await enqueue();
    let release!: () => void;
    const w = startWorker(() => new Promise((resolve) => (release = () => resolve(OK))));
    w.wake();
    await until(() => calls.length === 1);
    const closing = w.close();
    setTimeout(() => release(), 100);
    await closing;
    expect(await catalog.notifications.get(id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('on close, cuts an attempt that hangs and gives its claim back for the next start', async () => {
    const id = await enqueue();
    const w = startWorker(
      (request) =>
        new Promise((resolve) =>
          request.signal.addEventListener('abort', () =>
            resolve({ status: null, error: 'interrupted', response: null, interrupted: true }),
          ),
        ),
    );
    w.wake();
    await until(() => calls.length === 1);
    await w.close();
    expect(await catalog.notifications.get(id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      claimedBy: null,
      claimedUntil: null,
      lastError: 'attempt interrupted by shutdown',
    });
    // The next worker takes it at once, as attempt 2: attempt 1 may have reached the receiver.
    startWorker(async () => OK).wake();
    await until(async () => (await catalog.notifications.get(id))?.status === 'delivered');
    expect(calls.at(-1)!.request.headers['x-livetape-attempt']).toBe('2');
  });
});
