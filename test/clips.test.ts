/**
 * Clips cut by `POST /api/v1/clips` from a real push of one FLV file (H.264 with B-frames + AAC,
 * 30 fps, a keyframe a second): recorded once as one MP4 (and FLV, HLS and AAC), once as a broadcast
 * of 3 s MP4 files, once as a broadcast of 3 s FLV files, and once as an HLS-only broadcast of two
 * pushes of an 8 s half (the second continues the playlist after a discontinuity, HLS_RESUME_WINDOW).
 * The oracle is the source itself: the frame ffmpeg decodes 165th (5.5 s × 30 fps) from the FLV.
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, newContext } from './helpers/browser.js';
import {
  type CallbackReceiver,
  callbackProblems,
  startCallbackReceiver,
} from './helpers/callback-receiver.js';
import { enhancedMedia } from './helpers/enhanced-media.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { decodeErrors, probe } from './helpers/media-probe.js';
import { run, waitFor } from './helpers/process.js';
import { pushFlvFiles } from './helpers/pusher.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { pushTags } from './helpers/tag-push.js';

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

/** How many video frames of `path` are shown from `from` to `to` seconds after its first frame. */
async function framesShownIn(path: string, from: number, to: number): Promise<number> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v',
    '-show_entries',
    'packet=pts_time',
    '-of',
    'csv=p=0',
    path,
  ]);
  expect(r.stderr).toBe('');
  const times = r.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => Number(line.replace(/,$/, '')));
  const zero = Math.min(...times);
  return times.filter((time) => time - zero >= from - 0.001 && time - zero < to - 0.001).length;
}

describe('clips: frame-accurate MP4 without re-encoding', () => {
  let t: TestServer;
  let receiver: CallbackReceiver;
  let browser: Browser;
  let sourceFlv: string;
  let halfFlv: string;
  let hevcSource: string;
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
        HLS_RESUME_WINDOW: '4',
      }),
      launchBrowser(),
      makeTestFlv({ seconds: 16, fps: FPS, gop: FPS, bframes: true }),
    ]);
    halfFlv = await makeTestFlv({ seconds: 8, fps: FPS, gop: FPS, bframes: true });
    await pushFlvFiles(t.rtmpUrl('live', 'whole', 'record=mp4|flv|hls|aac'), [sourceFlv]);
    // Two pushes, one HLS recording: the second push comes back within the resume window.
    await pushFlvFiles(t.rtmpUrl('live', 'hlsresume', 'record=hls'), [halfFlv]);
    await pushFlvFiles(t.rtmpUrl('live', 'hlsresume', 'record=hls'), [halfFlv]);
    const hevc = await enhancedMedia('hevc', { seconds: 14, width: 320, height: 240, gop: FPS });
    hevcSource = hevc.source;
    await (await pushTags(t.rtmpUrl('live', 'hevc', 'record=hls'), hevc.tags)).done;
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

  /** The HLS recordings are cataloged when the resume window has passed after their push. */
  const hlsOf = (stream: string) =>
    waitFor(
      async () => (await recordingsOf(stream)).find((r) => r.format === 'hls'),
      30_000,
      `the HLS recording of ${stream}`,
    );

  /**
   * @param oracle the pushed file whose frame at START is the clip's first frame.
   * @param frames how many frames the clip must show (±1): END − START at FPS unless the source has gaps.
   */
  async function checkClip(
    source: Record<string, string>,
    oracle = sourceFlv,
    frames = (END - START) * FPS,
  ): Promise<RecordingJson> {
    const res = await postClip({ ...source, start: START, end: END });
    const clip = (await res.json()) as RecordingJson;
    expect(res.status, JSON.stringify(clip)).toBe(201);
    expect(clip).toMatchObject({ format: 'mp4', reason: 'clip', sourceId: Object.values(source)[0] });
    const path = join(t.dataDir, 'media', clip.storageKey);
    const probed = await probe(path);
    expect(Math.abs(probed.formatDuration - (END - START))).toBeLessThanOrEqual(FRAME + 0.001);
    const video = probed.streams.find((s) => s.codec_type === 'video')!;
    expect(Math.abs(Number(video.duration) - (END - START))).toBeLessThanOrEqual(FRAME + 0.001);
    expect(Math.abs(Number(video.nb_read_frames) - frames)).toBeLessThanOrEqual(1);
    expect(await decodeErrors(path)).toBe('');
    const [sourceFrame] = (await frameHashes(oracle)).slice(START * FPS);
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

  it('cuts 5.5–12.5 s out of one HLS recording, its TS frames remuxed into the same MP4', async () => {
    const hls = await hlsOf('whole');
    await checkClip({ recordingId: hls.id });
    // The converted frames' sample file is gone once the clip is made.
    expect(await readdir(join(t.dataDir, 'media', '.clip-samples'))).toEqual([]);
  });

  it('cuts 5.5–12.5 s out of an HLS-only broadcast of two pushes, across its discontinuity', async () => {
    const hls = await hlsOf('hlsresume');
    expect(hls.durationMs).toBeGreaterThan(15_000);
    // The second push continues where the first one's audio ended, a little after its video: the
    // recording's video has a gap there, so the range holds the frames ffmpeg sees in the playlist.
    const shown = await framesShownIn(join(t.dataDir, 'media', hls.storageKey), START, END);
    expect(shown).toBeGreaterThan((END - START - 0.5) * FPS);
    const clip = await checkClip({ broadcastId: hls.broadcastId }, halfFlv, shown);
    expect(clip.sourceId).toBe(hls.broadcastId);
  });

  it('cuts 5.5–12.5 s out of an HEVC HLS recording: its parameter sets become the hvcC', async () => {
    const hls = await hlsOf('hevc');
    const clip = await checkClip({ recordingId: hls.id }, hevcSource);
    const video = (await probe(join(t.dataDir, 'media', clip.storageKey))).streams[0]!;
    expect(video.codec_name).toBe('hevc');
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

  it('refuses bad requests naming the parameter, unknown sources with 404, AAC sources and missing segments with 409', async () => {
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
    // An HLS recording with a segment gone: 409 naming it.
    const hevc = await hlsOf('hevc');
    await rm(join(t.dataDir, 'media', hevc.storageKey, '..', '000000.ts'));
    await bad(
      { recordingId: hevc.id, start: 1, end: 2 },
      409,
      /segment 000000\.ts of recording \d+ is missing/,
    );
    const aac = (await recordingsOf('whole')).find((r) => r.format === 'aac')!;
    await bad(
      { recordingId: aac.id, start: 1, end: 2 },
      409,
      /MP4, FLV and HLS recordings; recording \d+ is aac/,
    );
  });
});
