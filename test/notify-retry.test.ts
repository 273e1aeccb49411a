/**
 * Delivery against a receiver that is down: retries until it is back, in order per stream; after the
 * last retry the callback is dead, visible in the API and re-deliverable. The retry policy is changed
 * at run time through the settings API, as an operator would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACK,
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const KEY = 'retry-key';
const DOWN: { status: number; body: string } = { status: 500, body: 'maintenance' };

interface NotificationJson {
  id: string;
  eventType: number;
  stream: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastResponse: string | null;
  payload?: Record<string, unknown>;
}

describe('callback delivery while the receiver is down', () => {
  let receiver: CallbackReceiver;
  let t: TestServer;
  const api = async (path: string, init?: RequestInit) => {
    const res = await fetch(t.httpUrl(path), init);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const put = (body: unknown) =>
    api('/api/v1/settings/callbacks', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const push = async (stream: string, query = '') => {
    const result = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', stream, query), { seconds: 2, gop: 30, realtime: false }),
    );
    expect(result.stderr).toBe('');
  };
  const list = async (query: string) =>
    (await api(`/api/v1/notifications?${query}`)).body.notifications as NotificationJson[];

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      CALLBACK_URL: receiver.url,
      CALLBACK_KEY: KEY,
      APPID: '1400000001',
      CALLBACK_RETRY_INTERVAL: '0.2',
      CALLBACK_RETRY_COUNT: '20',
      RECORD_INTERVAL_MIN: '1',
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('retries until the receiver is back, then delivers every event once, in order', async () => {
    let refused = 0;
    receiver.answer = () => (++refused <= 4 ? DOWN : ACK);
    await push('down1', 'record=flv');
    const accepted = await receiver.waitForAccepted(3);
    expect(accepted.map((c) => c.body.event_type).sort()).toEqual([0, 1, 100]);
    expect(accepted[0]!.body.event_type).toBe(1);
    expect(accepted.map((c) => c.eventId)).toEqual(accepted.map((c) => c.eventId).sort());
    expect(receiver.received.slice(0, 4).every((c) => c.answered === 500 && c.body.event_type === 1)).toBe(
      true,
    );
    // The head was attempted 5 times; the events behind it waited and went through at their first try.
    expect(accepted.map((c) => c.attempt)).toEqual([5, 1, 1]);
    for (const callback of receiver.received) expect(callbackProblems(callback, KEY)).toEqual([]);
    // Once every row is delivered nothing is left to send, so the count below is final.
    const rows = await waitFor(
      async () => {
        const now = await list('stream=live/down1');
        return now.length === 3 && now.every((r) => r.status === 'delivered') ? now : undefined;
      },
      30_000,
      'every event delivered',
    );
    expect(receiver.accepted).toHaveLength(3);
    expect(rows.at(-1)).toMatchObject({
      eventType: 1,
      attempts: 5,
      lastStatus: 200,
      lastResponse: '{"code":0}',
    });
  });

  it('dead-letters after the last retry, keeps the stream moving, and redelivers on request', async () => {
    expect((await put({ retry: { count: 1 } })).body).toMatchObject({
      retry: { count: 1 },
      overridden: ['retry.count'],
    });
    receiver.answer = () => DOWN;
    const before = receiver.received.length;
    await push('dead1');
    const dead = await waitFor(
      async () => {
        const rows = await list('stream=live/dead1&status=dead');
        return rows.length === 2 ? rows : undefined;
      },
      10_000,
      'both events to die',
    );
    // Two attempts each (the first and one retry); the push end went out although its start was dead.
    expect(receiver.received.length - before).toBe(4);
    expect(dead.map((r) => [r.eventType, r.attempts, r.lastStatus, r.lastResponse])).toEqual([
      [0, 2, 500, 'maintenance'],
      [1, 2, 500, 'maintenance'],
    ]);
    const detail = await api(`/api/v1/notifications/${dead[1]!.id}`);
    expect(detail.body).toMatchObject({ status: 'dead', payload: { event_type: 1, stream_id: 'dead1' } });

    receiver.answer = () => ACK;
    for (const row of [...dead].reverse()) {
      const redelivered = await api(`/api/v1/notifications/${row.id}/redeliver`, { method: 'POST' });
      expect(redelivered.status).toBe(200);
      expect(redelivered.body.status).toBe('pending');
    }
    const accepted = (await receiver.waitForAccepted(5)).slice(3);
    expect(accepted.map((c) => [c.body.event_type, c.attempt])).toEqual([
      [1, 3],
      [0, 3],
    ]);
    expect((await list('stream=live/dead1')).map((r) => r.status)).toEqual(['delivered', 'delivered']);
  });

  it('holds the legacy contract in strict mode: HTTP 200 without {"code":0} is a failure', async () => {
    await put({ strict: true, retry: { count: 0 } });
    receiver.answer = () => ({ status: 200, body: 'OK' });
    await push('strict1');
    const dead = await waitFor(async () => {
      const rows = await list('stream=live/strict1&status=dead');
      return rows.length === 2 ? rows : undefined;
    });
    expect(dead.every((r) => r.lastStatus === 200 && r.lastResponse === 'OK' && r.attempts === 1)).toBe(true);
    const reset = await put({ strict: null, retry: { count: null } });
    expect(reset.body).toMatchObject({
      strict: false,
      retry: { count: 20, intervalSec: 0.2 },
      overridden: [],
    });
  });

  it('validates settings and queries, naming the parameter', async () => {
    const bad = async (result: Promise<{ status: number; body: Record<string, unknown> }>, param: string) => {
      const { status, body } = await result;
      expect(status).toBe(400);
      expect(body.error).toBe('bad_request');
      expect(body.message).toContain(param);
    };
    await bad(put({ retry: { count: -1 } }), 'retry.count');
    await bad(put({ urls: { record: 'ftp://x' } }), 'urls.record');
    await bad(put({ timeoutSec: 'soon' }), 'timeoutSec');
    await bad(api('/api/v1/notifications?status=lost'), 'status');
    await bad(api('/api/v1/notifications?stream=noslash'), 'stream');
    await bad(api('/api/v1/notifications?limit=0'), 'limit');
    expect((await api('/api/v1/notifications/123')).status).toBe(404);
    expect((await api('/api/v1/notifications/123/redeliver', { method: 'POST' })).status).toBe(404);
    const settings = await api('/api/v1/settings/callbacks');
    expect(settings.body).toMatchObject({ keySource: 'CALLBACK_KEY', urls: { all: receiver.url } });
    expect(JSON.stringify(settings.body)).not.toContain(KEY);
  });

  it('refuses to redeliver a callback that is still pending', async () => {
    receiver.answer = () => DOWN;
    await put({ retry: { intervalSec: 60 } });
    await push('pending1');
    const [pending] = await waitFor(async () => {
      const rows = await list('stream=live/pending1&status=pending');
      return rows.length > 0 && rows.some((r) => r.attempts > 0) ? rows : undefined;
    });
    const conflict = await api(`/api/v1/notifications/${pending!.id}/redeliver`, { method: 'POST' });
    expect(conflict.status).toBe(409);
    await put({ retry: { intervalSec: null } });
  });
});
