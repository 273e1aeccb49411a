import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPushArgs, run, waitFor } from '../../test/helpers/process.js';
import { startTestServer, type TestServer } from '../../test/helpers/server.js';
import { ErrorCode, parseCallback } from './callback.js';
import { ReplayStore, userIdOf } from './replay-store.js';
import { createReceiver } from './server.js';

const KEY = 'mini-lvb-key';
const NOW = 1_750_000_000;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

function callback(fields: Record<string, unknown>, t = NOW + 600, key = KEY): string {
  return JSON.stringify({
    event_type: 100,
    stream_id: '8888_alice_1a2b',
    ...fields,
    t,
    sign: md5(`${key}${t}`),
  });
}

function file(format: string, start: number, end: number, id = `${format}-${start}`) {
  return {
    video_id: id,
    video_url: `http://vod.example/${id}.${format}`,
    file_format: format,
    start_time: start,
    end_time: end,
  };
}

describe('checking a callback', () => {
  it('accepts a signed, unexpired event 100 and acknowledges other events', () => {
    expect(parseCallback(callback(file('mp4', NOW - 300, NOW - 100)), KEY, NOW)).toMatchObject({
      kind: 'file',
      file: { streamId: '8888_alice_1a2b', fileFormat: 'mp4', startTime: NOW - 300, endTime: NOW - 100 },
    });
    expect(parseCallback(callback({ event_type: 1 }), KEY, NOW)).toEqual({ kind: 'other', eventType: 1 });
  });

  it.each([
    ['a wrong key', callback(file('mp4', 0, 100), NOW + 600, 'other'), ErrorCode.badSign],
    ['an expired t', callback(file('mp4', 0, 100), NOW - 1), ErrorCode.badSign],
    ['no JSON', '{"t":', ErrorCode.badJson],
    [
      'a file without its URL',
      callback({ video_id: 'v', start_time: 0, end_time: 100, file_format: 'mp4' }),
      ErrorCode.badParams,
    ],
  ])('rejects %s', (_what, raw, code) => {
    expect(parseCallback(raw, KEY, NOW)).toMatchObject({ kind: 'rejected', code });
  });

  it('never throws, whatever the body', () => {
    const bodies = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(bodies, (raw) => {
        expect(['file', 'other', 'rejected']).toContain(parseCallback(raw, KEY, NOW).kind);
      }),
    );
  });
});

describe('the replay list', () => {
  it('merges the formats of one file window into one row, MP4 as play_url, and drops short files', () => {
    const store = new ReplayStore();
    const add = (fields: ReturnType<typeof file>) => {
      const parsed = parseCallback(callback(fields), KEY, NOW);
      if (parsed.kind !== 'file') throw new Error(parsed.kind);
      return store.add(parsed.file);
    };
    expect(add(file('flv', NOW - 4000, NOW - 3000))).toBe(true);
    expect(add(file('mp4', NOW - 4000, NOW - 3000))).toBe(true);
    expect(add(file('hls', NOW - 4000, NOW - 2000))).toBe(true);
    expect(add(file('mp4', NOW - 1000, NOW - 940))).toBe(false);
    expect(add(file('hls', NOW - 900, NOW - 500))).toBe(true);
    const [row, ...rest] = store.list(NOW);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({
      userid: 'alice',
      fileId: `flv-${NOW - 4000}`,
      playUrl: `http://vod.example/mp4-${NOW - 4000}.mp4`,
      hlsPlayUrl: `http://vod.example/hls-${NOW - 4000}.hls`,
      startTime: NOW - 4000,
      createTime: NOW - 3000,
    });
  });

  it('lists the last 7 days only, newest first, in pages of 10–100', () => {
    const store = new ReplayStore();
    for (let i = 0; i < 25; i++) {
      const end = NOW - i * 86_400 * 0.25;
      store.add({
        streamId: `s${i}`,
        videoId: `v${i}`,
        videoUrl: `u${i}`,
        fileFormat: 'mp4',
        startTime: end - 120,
        endTime: end,
      });
    }
    store.add({
      streamId: 'old',
      videoId: 'old',
      videoUrl: 'u',
      fileFormat: 'mp4',
      startTime: NOW - 8 * 86_400,
      endTime: NOW - 8 * 86_400 + 120,
    });
    const all = store.list(NOW, { count: 100 });
    expect(all.map((r) => r.fileId)).toEqual([...Array(25).keys()].map((i) => `v${i}`));
    expect(store.list(NOW, { index: 3, count: 10 }).map((r) => r.fileId)).toEqual([
      'v20',
      'v21',
      'v22',
      'v23',
      'v24',
    ]);
    expect(store.list(NOW, { count: 5 })).toHaveLength(10);
  });

  it('takes the user id out of a Mini LVB stream id', () => {
    expect(userIdOf('8888_alice_1a2b')).toBe('alice');
    expect(userIdOf('8888_bob_smith_1a2b')).toBe('bob_smith');
    expect(userIdOf('room1')).toBe('room1');
  });
});

describe('fed by a real LiveTape', () => {
  let receiver: Server;
  let receiverUrl: string;
  let t: TestServer;

  beforeAll(async () => {
    receiver = createReceiver({ key: KEY });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    t = await startTestServer({ CALLBACK_URL: `${receiverUrl}/tape_callback`, CALLBACK_KEY: KEY });
  });
  afterAll(async () => {
    await t?.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('lists a 70 s broadcast recorded as MP4 and HLS as one replay, and not a 5 s one', async () => {
    const push = (stream: string, seconds: number) =>
      run(
        'ffmpeg',
        ffmpegPushArgs(t.rtmpUrl('live', stream, 'record=mp4|hls'), {
          seconds,
          size: '160x120',
          fps: 15,
          realtime: false,
        }),
      );
    expect((await push('8888_alice_1a2b', 70)).stderr).toBe('');
    expect((await push('8888_bob_9f9f', 5)).stderr).toBe('');
    // Four files, each one callback; the last one committed is delivered last.
    const delivered = async () => {
      const res = await fetch(t.httpUrl('/api/v1/notifications?status=delivered&limit=100'));
      const { notifications } = (await res.json()) as { notifications: { eventType: number }[] };
      return notifications.filter((n) => n.eventType === 100).length === 4 ? true : undefined;
    };
    await waitFor(delivered, 30_000, 'the four recording callbacks');

    const res = await fetch(`${receiverUrl}/get_vod_list`, {
      method: 'POST',
      body: '{"index":1,"count":20}',
    });
    const { code, data } = (await res.json()) as { code: number; data: { list: Record<string, unknown>[] } };
    expect(code).toBe(200);
    expect(data.list).toHaveLength(1);
    const [replay] = data.list;
    expect(replay).toMatchObject({ userid: 'alice' });
    expect(replay!.play_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/vod\/live\/8888_alice_1a2b\/.+\.mp4$/);
    expect(replay!.hls_play_url).toMatch(/\.m3u8$/);
    expect((replay!.create_time as number) - (replay!.start_time as number)).toBeGreaterThan(60);
  });
});
