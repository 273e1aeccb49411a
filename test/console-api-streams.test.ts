/**
 * The live-stream API behind the console, against a real server and a real ffmpeg push recording MP4
 * and HLS: the stream view says what is recorded and where the stream plays (signed with PLAY_KEY), and
 * kicking the publisher ends the push (ffmpeg exits) while its recordings finalize and are cataloged.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signTxSecret } from '../src/auth/tx-secret.js';
import { ffmpegPushArgs, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PLAY_KEY = 'streams-play-key';

interface StreamJson {
  stream: string;
  video: { width: number } | null;
  recordingFormats: string[];
  playback: { flv: string; hls: string; rtmp: string };
}

describe('live stream API: recording formats, play URLs, kick', () => {
  let t: TestServer;
  const logLines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    t = await startTestServer(
      { PLAY_KEY, LOG_LEVEL: 'info' },
      { logTo: { write: (line: string) => void logLines.push(JSON.parse(line)) } },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  async function streamView(name: string): Promise<StreamJson | undefined> {
    const body = (await (await fetch(t.httpUrl('/api/v1/streams'))).json()) as { streams: StreamJson[] };
    return body.streams.find((s) => s.stream === name);
  }

  it('shows what a push records and where it plays, then kicks it; its files are cataloged', async () => {
    const ffmpeg = spawn(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'kick1', 'record=mp4|hls'), { seconds: 60, gop: 30 }),
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((resolve) => ffmpeg.once('exit', resolve));
    try {
      const view = await waitFor(
        async () => {
          const s = await streamView('kick1');
          return s?.video ? s : undefined;
        },
        15_000,
        'the push to go live with video',
      );
      expect(view.recordingFormats).toEqual(['mp4', 'hls']);
      const base = t.httpUrl('/live/live/kick1');
      const rtmpBase = t.rtmpUrl('live', 'kick1');
      for (const [url, prefix] of [
        [view.playback.flv, `${base}.flv?`],
        [view.playback.hls, `${base}.m3u8?`],
        [view.playback.rtmp, `${rtmpBase}?`],
      ] as const) {
        expect(url.startsWith(prefix), url).toBe(true);
        const query = new URL(url).searchParams;
        expect(query.get('txSecret')).toBe(signTxSecret(PLAY_KEY, 'kick1', query.get('txTime')!));
      }
      // The signed live URL plays; the same URL unsigned is refused.
      const live = await fetch(view.playback.flv);
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toBe('video/x-flv');
      await live.body?.cancel();
      expect((await fetch(`${base}.flv`)).status).toBe(403);

      // Kicked once both files are open, so each has media to finalize.
      await waitFor(
        async () => {
          const res = await fetch(t.httpUrl('/api/v1/recordings?stream=kick1&status=recording'));
          const body = (await res.json()) as { recordings: unknown[] };
          return body.recordings.length === 2 ? true : undefined;
        },
        15_000,
        'both recordings to open',
      );
      const kick = await fetch(t.httpUrl('/api/v1/streams/live/kick1?reason=test%20kick'), {
        method: 'DELETE',
      });
      expect(kick.status).toBe(204);
      // ffmpeg's connection is cut: it gives up long before its 60 s of media.
      expect(await exited).not.toBe(0);
      expect(await streamView('kick1')).toBeUndefined();
    } finally {
      ffmpeg.kill('SIGKILL');
    }
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'publisher kicked through the API',
        stream: 'kick1',
        reason: 'test kick',
      }),
    );

    const files = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=kick1'));
        const body = (await res.json()) as { recordings: Array<{ format: string; reason: string }> };
        return body.recordings.length === 2 && t.server.recordings.activeCount === 0
          ? body.recordings
          : undefined;
      },
      20_000,
      'both recordings to be cataloged',
    );
    expect(files.map((f) => [f.format, f.reason]).sort()).toEqual([
      ['hls', 'unpublish'],
      ['mp4', 'unpublish'],
    ]);
  });

  it('shows an unrecorded push with no formats', async () => {
    const ffmpeg = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'plain'), { seconds: 30 }), {
      stdio: 'ignore',
    });
    try {
      const view = await waitFor(() => streamView('plain'), 15_000, 'the push to go live');
      expect(view.recordingFormats).toEqual([]);
      expect((await fetch(t.httpUrl('/api/v1/streams/live/plain'), { method: 'DELETE' })).status).toBe(204);
    } finally {
      ffmpeg.kill('SIGKILL');
    }
  });

  it('answers 404 not_live for a stream nobody pushes, and 400 naming an unknown parameter', async () => {
    const res = await fetch(t.httpUrl('/api/v1/streams/live/nobody'), { method: 'DELETE' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_live', message: 'live/nobody is not live' });
    const bad = await fetch(t.httpUrl('/api/v1/streams/live/nobody?why=x'), { method: 'DELETE' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('"why"');
  });
});
