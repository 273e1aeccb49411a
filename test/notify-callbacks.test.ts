/**
 * Callbacks from a real push: a real receiver gets the push start, one event-100 per file per format,
 * and the push end, each with every spec field typed as the reference sends it and signed both ways.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTxTime, signTxSecret } from '../src/auth/tx-secret.js';
import {
  CALLBACK_FIELDS,
  type CallbackReceiver,
  callbackProblems,
  type ReceivedCallback,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** The spec's sign test vector key. */
const KEY = '5d41402abc4b2a76b9719d911017c592';
const PUSH_KEY = 'push-key';
const PUBLIC_URL = 'http://tape.example.com:8080';

interface RecordingJson {
  id: string;
  format: string;
  sizeBytes: number;
  storageKey: string;
}

function signedQuery(stream: string, extra: string): string {
  const txTime = formatTxTime(Math.floor(Date.now() / 1000) + 3600);
  return `${extra}&txSecret=${signTxSecret(PUSH_KEY, stream, txTime)}&txTime=${txTime}`;
}

describe('callbacks of a recorded push', () => {
  let receiver: CallbackReceiver;
  let t: TestServer;
  let callbacks: ReceivedCallback[];
  let files: RecordingJson[];

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      RECORD_INTERVAL_MIN: '1',
      PUSH_KEY,
      CALLBACK_URL: receiver.url,
      CALLBACK_KEY: KEY,
      APPID: '1252033264',
      NODE_NAME: 'node-7',
      PUBLIC_URL,
    });
    const query = signedQuery('cb1', 'record=flv|mp4&record_interval=2');
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'cb1', query), { seconds: 5, gop: 30, realtime: false }),
    );
    expect(push.stderr).toBe('');
    files = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=cb1'));
        const rows = ((await res.json()) as { recordings: RecordingJson[] }).recordings;
        return t.server.recordings.activeCount === 0 && rows.length >= 4 ? rows : undefined;
      },
      30_000,
      'the recordings',
    );
    callbacks = [...(await receiver.waitForAccepted(files.length + 2))];
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('sends push start, one event 100 per file per format, and push end — nothing else', () => {
    const byType = (type: number) => callbacks.filter((c) => c.body.event_type === type);
    expect(byType(1)).toHaveLength(1);
    expect(byType(0)).toHaveLength(1);
    expect(
      byType(100)
        .map((c) => c.body.file_id)
        .sort(),
    ).toEqual(files.map((f) => f.id).sort());
    expect(callbacks).toHaveLength(files.length + 2);
    expect(new Set(callbacks.map((c) => c.eventId)).size).toBe(callbacks.length);
  });

  it('gives every field its spec type, signs md5(key + t) with t = now + 600, and HMACs the body', () => {
    for (const callback of callbacks) expect(callbackProblems(callback, KEY), callback.raw).toEqual([]);
    // Exactly the documented fields: nothing undocumented sneaks onto the wire.
    for (const { body } of callbacks) {
      expect(Object.keys(body).sort()).toEqual(
        Object.keys(CALLBACK_FIELDS[body.event_type as number]!).sort(),
      );
    }
  });

  it('fills the common fields from the push and the configuration', () => {
    const sequences = new Set(callbacks.map((c) => c.body.sequence));
    expect(sequences.size).toBe(1);
    for (const { body } of callbacks) {
      expect(body).toMatchObject({
        stream_id: 'cb1',
        channel_id: 'cb1',
        appid: 1252033264,
        app: 'tape.example.com',
        appname: 'live',
        node: 'node-7',
        user_ip: '127.0.0.1',
      });
      // The push signature is left out: callbacks and API answers must not hand it on (issue 11).
      expect(body.stream_param).toMatch(/^record=flv\|mp4&record_interval=2&txTime=[0-9A-F]{8}$/);
    }
    const end = callbacks.find((c) => c.body.event_type === 0)!.body;
    expect(end).toMatchObject({ errcode: 1, errmsg: 'recv rtmp deleteStream', reason: 'deleteStream' });
    expect(Number(end.push_duration)).toBeGreaterThan(0);
  });

  it('describes each file as the catalog has it', () => {
    for (const { body } of callbacks.filter((c) => c.body.event_type === 100)) {
      const file = files.find((f) => f.id === body.file_id)!;
      expect(body).toMatchObject({
        video_id: file.id,
        record_file_id: file.id,
        file_format: file.format,
        file_size: file.sizeBytes,
        video_url: `${PUBLIC_URL}/vod/${file.storageKey}`,
      });
      expect(body.end_time as number).toBeGreaterThanOrEqual(body.start_time as number);
      expect(JSON.parse(body.callback_ext as string)).toEqual({
        video_codec: 'h264',
        resolution: '320x240',
        session_id: body.sequence,
      });
    }
  });

  it('delivers a stream’s events in the order they were committed, the push start first', () => {
    expect(callbacks[0]!.body.event_type).toBe(1);
    const ids = callbacks.map((c) => c.eventId);
    expect(ids).toEqual([...ids].sort());
    for (let i = 1; i < callbacks.length; i++)
      expect(callbacks[i]!.at).toBeGreaterThanOrEqual(callbacks[i - 1]!.at);
  });

  it('reports a publish refused by authentication as a push end with errcode 18, without a push start', async () => {
    const before = receiver.accepted.length;
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'intruder', 'txSecret=00&txTime=FFFFFFFF'), { seconds: 1 }),
    );
    expect(push.code).not.toBe(0);
    const [refused] = (await receiver.waitForAccepted(before + 1)).slice(before);
    expect(callbackProblems(refused!, KEY)).toEqual([]);
    expect(refused!.body).toMatchObject({
      event_type: 0,
      stream_id: 'intruder',
      errcode: 18,
      errmsg: 'push url maybe invalid',
      push_duration: '0',
      reason: 'rejected',
      stream_param: 'txTime=FFFFFFFF',
    });
    expect(typeof refused!.body.detail).toBe('string');
    expect(receiver.accepted.slice(before).some((c) => c.body.event_type === 1)).toBe(false);
  });
});

describe('callbacks without any key', () => {
  it('warns at start and signs with the empty key, which receivers can still check', async () => {
    const receiver = await startCallbackReceiver();
    const lines: string[] = [];
    const t = await startTestServer(
      { CALLBACK_URL: receiver.url, APPID: '1', LOG_LEVEL: 'warn' },
      { logTo: { write: (line: string) => lines.push(line) } },
    );
    try {
      expect(lines.some((line) => line.includes('callbacks are signed with an empty key'))).toBe(true);
      const push = await run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'nokey'), { seconds: 1 }));
      expect(push.stderr).toBe('');
      const [started] = await receiver.waitForAccepted(1);
      expect(callbackProblems(started!, '')).toEqual([]);
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
