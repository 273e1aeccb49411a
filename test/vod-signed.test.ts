/**
 * Signed playback with PLAY_KEY: every VOD, replay and live URL needs txSecret/txTime over its stream
 * name; URLs handed out by the APIs come signed and play; playlists pass the signature on to segments.
 */
import { get as httpGet } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTxTime, signTxSecret } from '../src/auth/tx-secret.js';
import { playUrlSigner } from '../src/http/vod-url.js';
import { RtmpClient } from '../src/rtmp/client.js';
import { apiSign } from '../src/vod/tencent/request-auth.js';
import { decodeAll } from './helpers/decode-all.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PLAY_KEY = 'play-secret';
const sign = playUrlSigner([PLAY_KEY])!;

interface FileJson {
  id: string;
  format: string;
  url: string;
}

describe('signed playback', () => {
  let t: TestServer;
  let files: FileJson[];
  let replayUrl: string;
  const file = (format: string) => files.find((f) => f.format === format)!;
  const unsigned = (url: string) => url.slice(0, url.indexOf('?'));

  beforeAll(async () => {
    t = await startTestServer({ PLAY_KEY, APPID: '1234', API_KEY: 'api-key', HLS_SEGMENT_DURATION: '1' });
    const url = t.rtmpUrl('live', 'sg', 'record=mp4|hls');
    const push = await run('ffmpeg', ffmpegPushArgs(url, { seconds: 3, gop: 30, realtime: false }));
    expect(push.stderr).toBe('');
    await waitFor(
      () => (t.server.recordings.activeCount === 0 ? true : undefined),
      30_000,
      'recordings to finish',
    );
    const body = (await (await fetch(t.httpUrl('/api/v1/broadcasts?stream=sg'))).json()) as {
      broadcasts: Array<{ files: FileJson[]; replayUrl: string }>;
    };
    files = body.broadcasts[0]!.files;
    replayUrl = body.broadcasts[0]!.replayUrl;
  });
  afterAll(async () => {
    await t.close();
  });

  it('hands out URLs signed for the stream, valid for a day, that play', async () => {
    for (const url of [...files.map((f) => f.url), replayUrl]) {
      const query = new URL(url).searchParams;
      const expiry = Number.parseInt(query.get('txTime')!, 16);
      expect(Math.abs(expiry - (Date.now() / 1000 + 24 * 3600))).toBeLessThan(60);
      expect(query.get('txSecret')).toBe(signTxSecret(PLAY_KEY, 'sg', query.get('txTime')!));
      const played = await decodeAll(url);
      expect(played.stderr, url).toBe('');
      expect(played.video, url).toBe(90);
    }
  });

  it('refuses unsigned, wrongly signed and expired requests with 403 saying why', async () => {
    const base = unsigned(file('mp4').url);
    const past = formatTxTime(Math.floor(Date.now() / 1000) - 10);
    const cases: Array<[string, string]> = [
      [base, 'txTime parameter is missing'],
      [`${base}?txTime=${formatTxTime(Date.now() / 1000 + 60)}`, 'txSecret parameter is missing'],
      [
        `${base}?txSecret=${'0'.repeat(32)}&txTime=${formatTxTime(Date.now() / 1000 + 60)}`,
        'does not match the play key',
      ],
      [`${base}?${playUrlSigner([PLAY_KEY])!('other-stream')}`, 'does not match the play key'],
      [`${base}?${playUrlSigner(['other-key'])!('sg')}`, 'does not match the play key'],
      [`${base}?txSecret=${signTxSecret(PLAY_KEY, 'sg', past)}&txTime=${past}`, 'expired'],
      [unsigned(replayUrl), 'txTime parameter is missing'],
      [unsigned(file('hls').url), 'txTime parameter is missing'],
    ];
    for (const [url, why] of cases) {
      const res = await fetch(url);
      expect(res.status, url).toBe(403);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('forbidden');
      expect(body.message, url).toContain(why);
    }
  });

  it('passes the signature on to segment URIs of the playlists it serves', async () => {
    for (const url of [file('hls').url, replayUrl]) {
      const res = await fetch(url);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const uris = (await res.text()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      expect(uris.length).toBeGreaterThan(0);
      const signature = new URL(url).search.slice(1);
      for (const uri of uris) expect(uri.endsWith(`.ts?${signature}`), uri).toBe(true);
      const segment = new URL(uris[0]!, url);
      expect((await fetch(segment)).status).toBe(200);
      expect((await fetch(unsigned(segment.href))).status).toBe(403);
    }
  });

  it('signs the record_file_url of Live_Tape_GetFilelist', async () => {
    const time = String(Math.floor(Date.now() / 1000) + 60);
    const res = await fetch(
      t.httpUrl(
        `/common_access?appid=1234&interface=Live_Tape_GetFilelist&t=${time}&sign=${apiSign('api-key', time)}&Param.s.channel_id=sg`,
      ),
    );
    const body = (await res.json()) as {
      output: { file_list: Array<{ record_file_url: string; file_format: string }> };
    };
    const mp4 = body.output.file_list.find((f) => f.file_format === '3')!;
    expect(new URL(mp4.record_file_url).searchParams.get('txSecret')).toMatch(/^[0-9a-f]{32}$/);
    expect(await decodeAll(mp4.record_file_url)).toMatchObject({ stderr: '', video: 90 });
  });

  it('guards live HTTP-FLV, live HLS and RTMP play the same way', async () => {
    const pushing = run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'lv'), { seconds: 5, gop: 30 }));
    try {
      await waitFor(() => t.server.hub.get('live', 'lv'), 15_000, 'the stream to go live');
      const signature = sign('lv');
      expect((await fetch(t.httpUrl('/live/live/lv.flv'))).status).toBe(403);
      expect((await fetch(t.httpUrl(`/live/live/lv.flv?${sign('other')}`))).status).toBe(403);
      expect(await firstBytesStatus(t.httpUrl(`/live/live/lv.flv?${signature}`))).toBe(200);

      expect((await fetch(t.httpUrl('/live/live/lv.m3u8'))).status).toBe(403);
      const playlist = await fetch(t.httpUrl(`/live/live/lv.m3u8?${signature}`));
      expect(playlist.status).toBe(200);
      const uris = (await playlist.text()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
      expect(uris.length).toBeGreaterThan(0);
      for (const uri of uris) expect(uri.endsWith(`?${signature}`), uri).toBe(true);
      const segment = new URL(uris[0]!, t.httpUrl('/live/live/lv.m3u8'));
      expect((await fetch(segment)).status).toBe(200);
      expect((await fetch(unsigned(segment.href))).status).toBe(403);

      await expect(rtmpPlay(t.rtmpUrl('live', 'lv'))).rejects.toThrow(/txTime/);
      await expect(rtmpPlay(t.rtmpUrl('live', 'lv', signature))).resolves.toBeUndefined();
    } finally {
      await pushing;
    }
  });
});

/** Status of a never-ending live response, read up to its first body bytes. */
function firstBytesStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (res) => {
      res.once('data', () => {
        request.destroy();
        resolve(res.statusCode ?? 0);
      });
    });
    request.on('error', reject);
  });
}

async function rtmpPlay(url: string): Promise<void> {
  const client = await RtmpClient.connect(url);
  try {
    await client.play();
  } finally {
    client.destroy();
  }
}
