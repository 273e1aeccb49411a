/**
 * Clips cut by `POST /api/v1/clips` from a real push of one FLV file (H.264 with B-frames + AAC,
 * 30 fps, a keyframe a second): recorded once as one MP4 (and FLV, and HLS), once as a broadcast of
 * 3 s MP4 files and once as a broadcast of 3 s FLV files.
 * The oracle is the source itself: the frame ffmpeg decodes 165th (5.5 s × 30 fps) from the FLV.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext } from './helpers/browser.js';
import {
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { decodeErrors, probe } from './helpers/media-probe.js';
import { run, waitFor } from './helpers/process.js';
import { pushFlvFiles } from './helpers/pusher.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RecordingJson {
  id: string;
  format: string;
  storageKey: string;
  durationMs: number;
  broadcastId: string;
  reason: string;
  sourceId: string | null;
  url: string;
  playerUrl: string;
}

const FPS = 30;
const START = 5.5;
const END = 12.5;
const FRAME = 1 / FPS;
const KEY = 'clip-callback-key';

/** The md5 of each decoded video frame, in presentation order. */
async function frameHashes(path: string, frames?: number): Promise<string[]> {
  const limit = frames === undefined ? [] : ['-frames:v', String(frames)];
  const r = await run('ffmpeg', [
    '-v',
    'error',
    '-i',
    path,
    '-map',
    '0:v',
    ...limit,
    '-fps_mode',
    'passthrough',
    '-f',
    'framemd5',
    '-',
  ]);
  expect(r.stderr).toBe('');
  return r.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

describe('clips: frame-accurate MP4 without re-encoding', () => {
  let t: TestServer;
  let receiver: CallbackReceiver;
  let browser: Browser;
  let sourceFlv: string;
  let single: RecordingJson;
  let parts: RecordingJson[];
  let flvParts: RecordingJson[];

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    [t, browser, sourceFlv] = await Promise.all([
      startTestServer({
        RECORD_INTERVAL_MIN: '1',
        CALLBACK_URL: receiver.url,
        CALLBACK_KEY: KEY,
        APPID: '1252033264',
      }),
      launchBrowser(),
      makeTestFlv({ seconds: 16, fps: FPS, gop: FPS, bframes: true }),
    ]);
    await pushFlvFiles(t.rtmpUrl('live', 'whole', 'record=mp4|flv|hls'), [sourceFlv]);
    await pushFlvFiles(t.rtmpUrl('live', 'parts', 'record=mp4&record_interval=3'), [sourceFlv]);
    await pushFlvFiles(t.rtmpUrl('live', 'flvparts', 'record=flv&record_interval=3'), [sourceFlv]);
    await waitFor(() => (t.server.recordings.activeCount === 0 ? true : undefined), 30_000, 'recordings');
    single = (await recordingsOf('whole')).find((r) => r.format === 'mp4')!;
    parts = await recordingsOf('parts');
    flvParts = await recordingsOf('flvparts');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  const recordingsOf = async (stream: string) =>
    (
      (await (await fetch(t.httpUrl(`/api/v1/recordings?stream=${stream}&sort=asc`))).json()) as {
        recordings: RecordingJson[];
      }
    ).recordings;

  const postClip = (body: Record<string, unknown>) =>
    fetch(t.httpUrl('/api/v1/clips'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  async function checkClip(source: Record<string, string>): Promise<RecordingJson> {
    const res = await postClip({ ...source, start: START, end: END });
    const clip = (await res.json()) as RecordingJson;
    expect(res.status, JSON.stringify(clip)).toBe(201);
    expect(clip).toMatchObject({ format: 'mp4', reason: 'clip', sourceId: Object.values(source)[0] });
    const path = join(t.dataDir, 'media', clip.storageKey);
    const probed = await probe(path);
    expect(Math.abs(probed.formatDuration - (END - START))).toBeLessThanOrEqual(FRAME + 0.001);
    const video = probed.streams.find((s) => s.codec_type === 'video')!;
    expect(Math.abs(Number(video.duration) - (END - START))).toBeLessThanOrEqual(FRAME + 0.001);
    expect(Math.abs(Number(video.nb_read_frames) - (END - START) * FPS)).toBeLessThanOrEqual(1);
    expect(await decodeErrors(path)).toBe('');
    const [sourceFrame] = (await frameHashes(sourceFlv)).slice(START * FPS);
    const [firstClipFrame] = await frameHashes(path, 1);
    expect(firstClipFrame).toBe(sourceFrame);
    const head = await fetch(clip.url);
    expect(head.status).toBe(200);
    expect(Buffer.from(await head.arrayBuffer()).toString('latin1', 4, 8)).toBe('ftyp');
    const callback = await waitFor(
      () => receiver.accepted.find((c) => c.body.event_type === 100 && c.body.video_id === clip.id),
      20_000,
      "the clip's callback 100",
    );
    expect(callback.body).toMatchObject({ reason: 'clip', file_format: 'mp4', duration_ms: clip.durationMs });
    expect(callbackProblems(callback, KEY)).toEqual([]);
    return clip;
  }

  it('cuts 5.5–12.5 s out of one MP4 recording: 7.0 s, first frame = the source frame at 5.5 s', async () => {
    await checkClip({ recordingId: single.id });
  });

  it('cuts 5.5–12.5 s across the split files of a broadcast', async () => {
    const mp4s = parts.filter((r) => r.format === 'mp4');
    expect(mp4s.length).toBeGreaterThanOrEqual(5);
    await checkClip({ broadcastId: mp4s[0]!.broadcastId });
  });

  it('cuts 5.5–12.5 s out of one FLV recording, remuxed into the same MP4', async () => {
    const flv = (await recordingsOf('whole')).find((r) => r.format === 'flv')!;
    await checkClip({ recordingId: flv.id });
  });

  it('cuts 5.5–12.5 s across the split FLV files of a broadcast', async () => {
    expect(flvParts.length).toBeGreaterThanOrEqual(5);
    expect(flvParts.every((r) => r.format === 'flv')).toBe(true);
    await checkClip({ broadcastId: flvParts[0]!.broadcastId });
  });

  it('plays and seeks in headless Chromium', async () => {
    const clip = (await (
      await postClip({ recordingId: single.id, start: 2, end: 9 })
    ).json()) as RecordingJson;
    const context = await newContext(browser, 'desktop');
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(clip.playerUrl);
      await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1, undefined, {
        timeout: 20_000,
      });
      const duration = await page.evaluate(() => document.querySelector('video')!.duration);
      expect(Math.abs(duration - 7)).toBeLessThanOrEqual(FRAME + 0.001);
      await page.evaluate(async () => {
        const video = document.querySelector('video')!;
        video.muted = true;
        await video.play();
        const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
        video.currentTime = 4;
        await seeked;
      });
      await page.waitForFunction(
        () => {
          const video = document.querySelector('video')!;
          return video.currentTime > 4.5 && !video.paused;
        },
        undefined,
        { timeout: 20_000 },
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('refuses bad requests naming the parameter, unknown sources with 404, HLS sources with 409', async () => {
    const bad = async (body: Record<string, unknown>, status: number, pattern: RegExp) => {
      const res = await postClip(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(((await res.json()) as { message: string }).message).toMatch(pattern);
    };
    await bad({ recordingId: single.id, start: 3, end: 2 }, 400, /"end"/);
    await bad({ recordingId: single.id, start: -1, end: 2 }, 400, /"start"/);
    await bad({ start: 1, end: 2 }, 400, /"recordingId" or "broadcastId"/);
    await bad(
      { recordingId: single.id, broadcastId: 'x', start: 1, end: 2 },
      400,
      /"recordingId" or "broadcastId"/,
    );
    await bad({ recordingId: single.id, start: 1, end: 2, speed: 2 }, 400, /"speed"/);
    await bad({ recordingId: single.id, start: 100, end: 200 }, 400, /"start" is past/);
    await bad({ recordingId: '1234567890123456789', start: 1, end: 2 }, 404, /does not exist/);
    await bad({ broadcastId: 'nope', start: 1, end: 2 }, 404, /does not exist/);
    const hls = (await recordingsOf('whole')).find((r) => r.format === 'hls')!;
    await bad({ recordingId: hls.id, start: 1, end: 2 }, 409, /MP4 and FLV recordings; recording \d+ is hls/);
  });
});
