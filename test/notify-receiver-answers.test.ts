/**
 * What a real callback receiver may answer besides 200: a redirect is not followed (the signed body
 * would go to a host the operator never configured) and counts as a failed attempt; a huge body is
 * read only in part, and what is kept of it is bounded.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KEPT_RESPONSE_CHARS } from '../src/notify/http-attempt.js';
import { ACK, type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface NotificationJson {
  eventType: number;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastResponse: string | null;
}

describe('callback receivers that answer oddly', () => {
  let receiver: CallbackReceiver;
  let elsewhere: CallbackReceiver;
  let t: TestServer;
  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    elsewhere = await startCallbackReceiver();
    t = await startTestServer({
      CALLBACK_URL: receiver.url,
      CALLBACK_KEY: 'k',
      CALLBACK_RETRY_INTERVAL: '0.2',
      CALLBACK_RETRY_COUNT: '20',
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await elsewhere?.close();
  });

  const settled = (stream: string, count: number) =>
    waitFor(
      async () => {
        const res = await fetch(t.httpUrl(`/api/v1/notifications?stream=live/${stream}`));
        const rows = ((await res.json()) as { notifications: NotificationJson[] }).notifications;
        return rows.length >= count && rows.every((r) => r.status === 'delivered') ? rows : undefined;
      },
      30_000,
      `the callbacks of ${stream} delivered`,
    );
  const push = async (stream: string) => {
    const pushed = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds: 1, realtime: false }),
    );
    expect(pushed.code).toBe(0);
  };

  it('does not follow a redirect: the attempt fails and is retried at the configured URL', async () => {
    receiver.answer = (callback) =>
      callback.attempt === 1 ? { status: 307, headers: { location: elsewhere.url } } : ACK;
    await push('redirected');
    const rows = await settled('redirected', 2); // push start and push end
    for (const row of rows) expect(row).toMatchObject({ attempts: 2, lastStatus: 200 });
    expect(receiver.received.filter((c) => c.answered === 307).length).toBeGreaterThanOrEqual(2);
    expect(elsewhere.received).toEqual([]);
  });

  it('takes a 200 with a 5 MB body as delivered, keeping only the start of it', async () => {
    const huge = `{"code":0,"pad":"${'x'.repeat(5 * 1024 * 1024)}"}`;
    receiver.answer = () => ({ status: 200, body: huge });
    await push('hugebody');
    const rows = await settled('hugebody', 2);
    for (const row of rows) {
      expect(row).toMatchObject({ attempts: 1, lastStatus: 200 });
      expect(row.lastResponse!.length).toBe(MAX_KEPT_RESPONSE_CHARS);
      expect(huge.startsWith(row.lastResponse!)).toBe(true);
    }
    expect((await fetch(t.httpUrl('/healthz'))).ok).toBe(true);
  });
});
