/**
 * Callbacks survive `kill -9`: events committed but not yet delivered go out after the restart, and a
 * push the crash cut short is reported as ended (errcode 22) together with its recovered file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACK,
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { restartableServer } from './helpers/restartable-server.js';

const KEY = 'crash-key';

interface NotificationJson {
  id: string;
  eventType: number;
  status: string;
  attempts: number;
}

describe('callbacks across kill -9', () => {
  let receiver: CallbackReceiver;
  const list = async (query = '') => {
    const res = await fetch(server.running.httpUrl(`/api/v1/notifications?${query}`));
    return ((await res.json()) as { notifications: NotificationJson[] }).notifications;
  };

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });
  const server = restartableServer('livetape-notify-crash-', () => ({
    CALLBACK_URL: receiver.url,
    CALLBACK_KEY: KEY,
    APPID: '1400000001',
    CALLBACK_RETRY_INTERVAL: '0.2',
    CALLBACK_RETRY_COUNT: '1000',
    RECORD_INTERVAL_MIN: '1',
  }));

  it('delivers after the restart what was committed before the kill', async () => {
    receiver.answer = () => ({ status: 503, body: 'not yet' });
    const first = await server.start();
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(first.rtmpUrl('live', 'k1', 'record=flv'), { seconds: 2, gop: 30, realtime: false }),
    );
    expect(push.stderr).toBe('');
    const committed = await waitFor(async () => {
      const rows = await list('stream=live/k1');
      // Only the stream's oldest event is attempted; the others wait behind it.
      return rows.length === 3 && rows.at(-1)!.attempts > 1 ? rows : undefined;
    });
    expect(receiver.accepted).toHaveLength(0);
    const attemptsBefore = new Map(committed.map((r) => [r.id, r.attempts]));
    await server.kill();

    receiver.answer = () => ACK;
    await server.start();
    const accepted = await receiver.waitForAccepted(3);
    expect(accepted.map((c) => c.eventId).sort()).toEqual([...attemptsBefore.keys()].sort());
    expect(accepted[0]!.body.event_type).toBe(1);
    for (const callback of accepted) {
      expect(callbackProblems(callback, KEY)).toEqual([]);
      // Attempt numbers continue across the crash: no attempt is ever made twice.
      expect(callback.attempt).toBeGreaterThan(attemptsBefore.get(callback.eventId)!);
    }
  });

  it('reports a push the crash cut short as ended, and its recovered file', async () => {
    const before = receiver.accepted.length;
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(server.running.rtmpUrl('live', 'k2', 'record=flv'), {
        seconds: 30,
        gop: 30,
        realtime: true,
      }),
    );
    // Recording is under way once the push start is delivered and the file has data.
    await receiver.waitForAccepted(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    await server.kill();
    await push;

    await server.start();
    const [ended, recovered] = await waitFor(() => {
      const after = receiver.accepted.slice(before + 1);
      const end = after.find((c) => c.body.event_type === 0);
      const file = after.find((c) => c.body.event_type === 100);
      return end && file ? [end, file] : undefined;
    });
    expect(ended!.body).toMatchObject({
      stream_id: 'k2',
      errcode: 22,
      errmsg: 'server crashed',
      reason: 'crashed',
    });
    expect(recovered!.body).toMatchObject({ stream_id: 'k2', file_format: 'flv', reason: 'recovered' });
    expect(recovered!.body.sequence).toBe(ended!.body.sequence);
    expect(recovered!.body.user_ip).toBe('127.0.0.1');
    for (const callback of [ended!, recovered!]) expect(callbackProblems(callback, KEY)).toEqual([]);
  });
});
