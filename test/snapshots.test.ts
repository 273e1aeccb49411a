/**
 * Live snapshots from a real ffmpeg push of ~50 s with SNAPSHOT_INTERVAL=5: callbacks 200 as the
 * reference sends them, each picture served (signed) as a JPEG of the stated size; and a server without
 * ffmpeg on its PATH starts, says snapshots are off and why, and records as usual.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBanner } from '../src/cli/banner.js';
import { loadConfig } from '../src/config/load.js';
import { JpegSplitter } from '../src/snapshot/jpeg-splitter.js';
import { collectPageErrors, launchBrowser, newContext } from './helpers/browser.js';
import {
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { parseVtt } from './helpers/webvtt.js';

const KEY = 'snapshot-callback-key';
const PLAY_KEY = 'snapshot-play-key';

describe('live snapshots every SNAPSHOT_INTERVAL seconds', () => {
  let t: TestServer;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    t = await startTestServer({
      SNAPSHOT_INTERVAL: '5',
      SNAPSHOT_WIDTH: '320',
      SNAPSHOT_HEIGHT: '180',
      CALLBACK_URL: receiver.url,
      CALLBACK_KEY: KEY,
      APPID: '1252033264',
      PLAY_KEY,
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('sends ≥ 5 callbacks 200 in a 50 s push, each pic_full_url a JPEG of the stated size', async () => {
    const pushing = run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'snap1', 'record=mp4|hls&foo=bar'), {
        seconds: 50,
        size: '640x360',
        gop: 30,
      }),
      { timeoutMs: 120_000 },
    );
    // While live, the newest snapshot is the stream's cover in the console API and on the watch page.
    const cover = await waitFor(
      async () => {
        const { streams } = (await (await fetch(t.httpUrl('/api/v1/streams'))).json()) as {
          streams: { snapshotUrl: string | null }[];
        };
        return streams[0]?.snapshotUrl ?? undefined;
      },
      30_000,
      'a live cover',
    );
    expect(cover).toMatch(/\/snapshots\/live\/snap1\/.*\.jpg\?txSecret=/);
    expect((await fetch(cover)).headers.get('content-type')).toBe('image/jpeg');
    const watch = (await (await fetch(t.httpUrl('/api/watch'))).json()) as { live: { cover: string }[] };
    expect(watch.live[0]!.cover).toMatch(/\/snapshots\/live\/snap1\//);
    const push = await pushing;
    expect(push.stderr).toBe('');
    const callbacks = await waitFor(
      () => {
        const shots = receiver.accepted.filter((c) => c.body.event_type === 200);
        return shots.length >= 5 ? shots : undefined;
      },
      30_000,
      'five snapshot callbacks',
    );
    for (const callback of callbacks) {
      expect(callbackProblems(callback, KEY)).toEqual([]);
      const body = callback.body as Record<string, string | number>;
      expect(body).toMatchObject({
        stream_id: 'snap1',
        appname: 'live',
        width: 320,
        height: 180,
        stream_param: 'record=mp4|hls&foo=bar',
      });
      expect(String(body.pic_full_url)).toContain(`${body.pic_url}?txSecret=`);
      const res = await fetch(String(body.pic_full_url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(body.file_size);
      const [jpeg] = new JpegSplitter().push(bytes);
      expect([jpeg?.width, jpeg?.height]).toEqual([320, 180]);
    }
    // Unsigned, the picture is refused like a recording.
    const unsigned = await fetch(t.httpUrl(String(callbacks[0]!.body.pic_url)));
    expect(unsigned.status).toBe(403);
    const health = (await (await fetch(t.httpUrl('/healthz'))).json()) as { snapshots: unknown };
    expect(health.snapshots).toEqual({ enabled: true });
  }, 150_000);

  it('gives each recording a poster: its first picture as a JPEG, in the API and the player info', async () => {
    const recordings = await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=snap1'));
        const { recordings } = (await res.json()) as {
          recordings: {
            id: string;
            format: string;
            posterUrl: string | null;
            thumbnailsUrl: string | null;
            playerUrl: string;
            durationMs: number;
          }[];
        };
        return recordings.length === 2 && recordings.every((r) => r.posterUrl !== null)
          ? recordings
          : undefined;
      },
      60_000,
      'posters of the MP4 and HLS recordings',
    );
    for (const recording of recordings) {
      const res = await fetch(recording.posterUrl!);
      expect(res.status, recording.format).toBe(200);
      const [jpeg] = new JpegSplitter().push(Buffer.from(await res.arrayBuffer()));
      expect([jpeg?.width, jpeg?.height]).toEqual([320, 180]);
      // Scrub thumbnails: a WebVTT track covering the whole recording, cues pointing into a sprite JPEG.
      const vtt = await fetch(recording.thumbnailsUrl!);
      expect(vtt.headers.get('content-type')).toMatch(/^text\/vtt/);
      const cues = parseVtt(await vtt.text());
      expect(cues.length).toBeGreaterThanOrEqual(10);
      expect(cues[0]!.from).toBe(0);
      expect(Math.abs(cues.at(-1)!.to - recording.durationMs)).toBeLessThan(2);
      const sprite = await fetch(cues[0]!.payload.split('#')[0]!);
      expect(sprite.status).toBe(200);
      const [sheet] = new JpegSplitter().push(Buffer.from(await sprite.arrayBuffer()));
      for (const cue of cues) {
        const [x, y, w, h] = cue.payload.split('#xywh=')[1]!.split(',').map(Number);
        expect(w).toBe(160);
        expect(x! + w!).toBeLessThanOrEqual(sheet!.width);
        expect(y! + h!).toBeLessThanOrEqual(sheet!.height);
      }
    }
    const mp4 = recordings.find((r) => r.format === 'mp4')!;
    const signature = new URL(mp4.playerUrl).search;
    const play = (await (await fetch(t.httpUrl(`/api/play/${mp4.id}${signature}`))).json()) as {
      poster: string | null;
    };
    expect(play.poster).toMatch(/-poster\.jpg\?txSecret=/);
    // A broadcast's cover is its first file's poster, in the list and in the single answer.
    const { broadcasts } = (await (await fetch(t.httpUrl('/api/v1/broadcasts?stream=snap1'))).json()) as {
      broadcasts: { id: string; posterUrl: string | null; files: { posterUrl: string | null }[] }[];
    };
    expect(broadcasts[0]!.posterUrl).toBe(broadcasts[0]!.files[0]!.posterUrl);
    const one = (await (await fetch(t.httpUrl(`/api/v1/broadcasts/${broadcasts[0]!.id}`))).json()) as {
      posterUrl: string | null;
    };
    expect(one.posterUrl).toMatch(/-poster\.jpg\?txSecret=/);
    expect((await fetch(one.posterUrl!)).headers.get('content-type')).toBe('image/jpeg');

    // The player page: its seek bar shows the frame under the pointer, cut out of the sprite.
    const browser = await launchBrowser();
    try {
      const context = await newContext(browser, 'desktop');
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(mp4.playerUrl);
      const bar = page.locator('.scrub-bar');
      await bar.waitFor({ timeout: 20_000 });
      const box = (await bar.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const thumbnail = page.locator('.scrub-thumbnail');
      await thumbnail.waitFor({ timeout: 10_000 });
      const style = await thumbnail.evaluate((el) => getComputedStyle(el).backgroundImage);
      expect(style).toMatch(/-thumbs\.jpg\?txSecret=/);
      await expect(thumbnail.getAttribute('aria-label')).resolves.toMatch(/^Frame at 2\d s$/);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
    }
  });
});

describe('without ffmpeg on the PATH', () => {
  let t: TestServer;
  beforeAll(async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      t = await startTestServer({ SNAPSHOT_INTERVAL: '10', RECORD_INTERVAL_MIN: '1' });
    } finally {
      process.env.PATH = path;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts, says snapshots are off and why (healthz, banner), and records as usual', async () => {
    expect(t.server.snapshots).toEqual({ enabled: false, reason: 'ffmpeg is not on the PATH' });
    const health = (await (await fetch(t.httpUrl('/healthz'))).json()) as Record<string, unknown>;
    expect(health).toEqual({
      status: 'ok',
      snapshots: { enabled: false, reason: 'ffmpeg is not on the PATH' },
    });
    const banner = renderBanner({
      config: loadConfig({ argv: [], env: {}, cwd: t.dataDir }),
      rtmpPort: 1935,
      httpPort: 8080,
      version: '0',
      nowSeconds: 0,
      pushKeys: [],
      snapshots: t.server.snapshots,
    });
    expect(banner).toContain('Snapshots    off: ffmpeg is not on the PATH');
    const push = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'noff', 'record=flv'), { seconds: 3, realtime: false }),
    );
    expect(push.stderr).toBe('');
    await waitFor(
      async () => {
        const res = await fetch(t.httpUrl('/api/v1/recordings?stream=noff'));
        const { recordings } = (await res.json()) as { recordings: unknown[] };
        return recordings.length > 0 ? true : undefined;
      },
      20_000,
      'the recording',
    );
  });
});
