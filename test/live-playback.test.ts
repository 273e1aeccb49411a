import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countDecodedFrames, ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const SECONDS = 4;
const FPS = 30;

interface Listed {
  app: string;
  stream: string;
  startedAt: string;
  uptimeSeconds: number;
  viewers: number;
  bitrate: number;
  video: { codec: string; codecString: string; width: number; height: number; fps: number } | null;
  audio: { codec: string; codecString: string; sampleRate: number; channels: number } | null;
}

describe('live playback: real ffmpeg push, real ffmpeg/ffprobe players', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves every pushed frame over RTMP and HTTP-FLV, decodable with no errors', async () => {
    // One GOP for the whole push: whenever a player joins, the GOP cache hands it the stream from frame 0,
    // so it must receive exactly what was pushed.
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'e2e'), { seconds: SECONDS, fps: FPS, gop: 1000 }),
    );
    await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/streams'));
        const body = (await res.json()) as { streams: Array<{ stream: string }> };
        return body.streams.find((s) => s.stream === 'e2e');
      },
      15_000,
      'stream to go live',
    );

    const [rtmpPlayer, flvPlayer] = await Promise.all([
      countDecodedFrames(t.rtmpUrl('live', 'e2e')),
      countDecodedFrames(t.httpUrl('/live/live/e2e.flv')),
      // a second, concurrent reader of the stream checks the stream info while both players run
      (async () => {
        const info = await waitFor(
          async () => {
            const res = await fetch(t.httpUrl('/api/v1/streams/live/e2e'));
            const body = (await res.json()) as {
              video: { width: number; height: number; codec: string } | null;
              audio: { sampleRate: number } | null;
            };
            return body.video && body.audio ? body : undefined;
          },
          10_000,
          'the stream to announce its codecs',
        );
        expect(info.video).toMatchObject({ codec: 'avc', width: 320, height: 240 });
        expect(info.audio!.sampleRate).toBe(44100);
      })(),
    ]);
    const pushed = await push;
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);

    for (const player of [rtmpPlayer, flvPlayer]) {
      expect(player.stderr).toBe('');
      expect(player.video).toBe(SECONDS * FPS);
      // AAC frames of 1024 samples at 44.1 kHz over the push, give or take the encoder's priming frame
      expect(Math.abs(player.audio - Math.round((SECONDS * 44100) / 1024))).toBeLessThanOrEqual(2);
    }
  });

  it('serves live HLS from a sliding window, whether or not HLS is recorded', async () => {
    const push = run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'hlslive'), { seconds: 8, fps: FPS, gop: 30 }),
    );
    await waitFor(
      async () => ((await fetch(t.httpUrl('/api/v1/streams/live/hlslive'))).ok ? true : undefined),
      15_000,
      'live',
    );
    const res = await fetch(t.httpUrl('/live/live/hlslive.m3u8'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const playlist = await res.text();
    expect(playlist).toMatch(/#EXT-X-TARGETDURATION:\d+/);
    expect(playlist).not.toContain('#EXT-X-PLAYLIST-TYPE');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');
    const segment = /^(hlslive\/\d+\.ts)$/m.exec(playlist)![1]!;
    const ts = await fetch(t.httpUrl(`/live/live/${segment}`));
    expect(ts.headers.get('content-type')).toBe('video/mp2t');
    expect((await ts.arrayBuffer()).byteLength % 188).toBe(0);
    // A real HLS client follows the live playlist until the push ends (EXT-X-ENDLIST).
    const player = await run(
      'ffmpeg',
      ['-v', 'error', '-i', t.httpUrl('/live/live/hlslive.m3u8'), '-f', 'null', '-'],
      { timeoutMs: 30_000 },
    );
    expect(player.stderr).toBe('');
    expect(player.code).toBe(0);
    await push;
    // After the push ends, late players get the final playlist and its segments, not a 404.
    await waitFor(
      async () =>
        (await fetch(t.httpUrl('/api/v1/streams/live/hlslive'))).status === 404 ? true : undefined,
      10_000,
      'the push to end',
    );
    const final = await fetch(t.httpUrl('/live/live/hlslive.m3u8'));
    expect(final.status).toBe(200);
    const finalPlaylist = await final.text();
    expect(finalPlaylist).toContain('#EXT-X-ENDLIST');
    const last = [...finalPlaylist.matchAll(/^(hlslive\/\d+\.ts)$/gm)].at(-1)![1]!;
    expect((await fetch(t.httpUrl(`/live/live/${last}`))).status).toBe(200);
  });

  it('answers 404 for a stream that is not live', async () => {
    const res = await fetch(t.httpUrl('/live/live/nothing.flv'));
    expect(res.status).toBe(404);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain('not live');
  });

  it('lists live streams with codec, resolution, uptime and viewers', async () => {
    const child = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'listed'), { seconds: 60 }), {
      stdio: 'ignore',
    });
    const player = new AbortController();
    try {
      const listedNow = (wanted: (s: Listed) => boolean) =>
        waitFor(
          async () => {
            const body = (await (await fetch(t.httpUrl('/api/v1/streams'))).json()) as { streams: Listed[] };
            const s = body.streams.find((x) => x.stream === 'listed');
            return s && wanted(s) ? { s, at: Date.now() } : undefined;
          },
          30_000,
          'stream stats',
        );
      // Two seconds up, however long the machine took to get there.
      const { s: listed, at } = await listedNow((s) => s.bitrate > 0 && s.uptimeSeconds >= 2);
      expect(listed).toMatchObject({ app: 'live', stream: 'listed', protocol: 'rtmp', viewers: 0 });
      expect(listed.video).toMatchObject({ codec: 'avc', width: 320, height: 240 });
      expect(listed.video!.codecString).toMatch(/^avc1\.[0-9a-f]{6}$/i);
      expect(listed.video!.fps).toBeGreaterThan(20);
      expect(listed.audio).toMatchObject({
        codec: 'aac',
        codecString: 'mp4a.40.2',
        sampleRate: 44100,
        channels: 1,
      });
      // Uptime is the time since startedAt (rounded to a second), not a counter that could stall.
      expect(Math.abs(at - Date.parse(listed.startedAt) - listed.uptimeSeconds * 1000)).toBeLessThanOrEqual(
        1500,
      );
      const later = await listedNow((s) => s.uptimeSeconds >= listed.uptimeSeconds + 1);
      expect(later.s.startedAt).toBe(listed.startedAt);

      const response = await fetch(t.httpUrl('/live/live/listed.flv'), { signal: player.signal });
      expect(response.status).toBe(200);
      await listedNow((s) => s.viewers === 1);
    } finally {
      player.abort();
      child.kill('SIGKILL');
    }
  });
});
