/**
 * The live DVR window and Tencent's time-shift query, during a real ffmpeg push (checked at 42 s): the live HLS
 * playlist reaches back to the start of the push and its segments decode; only the newest segments stay
 * in memory, the others wait on disk; tsDelay and tsStart/tsEnd cut the right part; /watch in Chromium
 * rewinds 30 s through hls.js, plays, and returns to live. A second server with LIVE_DVR_WINDOW=0 keeps
 * the short window, packaged only once a player asks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MediaPlaylist, parseMediaPlaylist } from '../src/container/hls/playlist.js';
import { collectPageErrors, launchBrowser, newContext, waitForPlayback } from './helpers/browser.js';
import { decodeAll } from './helpers/decode-all.js';
import { ffmpegPushArgs, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Longer than the test needs (it is killed at the end), so it is still live when the browser checks. */
const PUSH_SECONDS = 90;
/** 2 s segments, 3 listed without DVR: 5 segments (~10 s) in memory. */
const SETTINGS = { HLS_SEGMENT_DURATION: '2', HLS_LIVE_WINDOW: '3' };
const IN_MEMORY = 3 + 2;
const PANEL_VIDEO = 'section[aria-label="Now playing"] video';

interface Coverage {
  playlist: MediaPlaylist;
  startMs: number;
  endMs: number;
  durationSec: number;
}

/** A playlist with the wall-clock span it covers (the first segment carries the time). */
function coverage(text: string): Coverage {
  const playlist = parseMediaPlaylist(text);
  const durationSec = playlist.segments.reduce((sum, s) => sum + s.durationSec, 0);
  const startMs = playlist.segments[0]!.programDateTime!.getTime();
  return { playlist, startMs, endMs: startMs + durationSec * 1000, durationSec };
}

describe('live DVR window and time shift', () => {
  let dvr: TestServer;
  let short: TestServer;
  let browser: Browser;
  const pushes: ChildProcess[] = [];
  const dataDirs: string[] = [];
  let liveSince = 0;

  async function serverOn(settings: Record<string, string>, stale: boolean): Promise<TestServer> {
    const dataDir = await mkdtemp(join(tmpdir(), 'livetape-dvr-'));
    dataDirs.push(dataDir);
    if (stale) {
      // What a crash leaves behind: cleared at start.
      await mkdir(join(dataDir, 'live-dvr', 'crashed-push'), { recursive: true });
      await writeFile(join(dataDir, 'live-dvr', 'crashed-push', '7.ts'), 'old');
    }
    return startTestServer(settings, { dataDir });
  }

  function push(t: TestServer, stream: string, seconds: number): void {
    pushes.push(
      spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds, gop: 30 }), { stdio: 'ignore' }),
    );
  }

  beforeAll(async () => {
    [dvr, short, browser] = await Promise.all([
      serverOn(SETTINGS, true),
      serverOn({ ...SETTINGS, LIVE_DVR_WINDOW: '0' }, false),
      launchBrowser(),
    ]);
    push(dvr, 'dvr', PUSH_SECONDS);
    await waitFor(() => dvr.server.hub.get('live', 'dvr'), 15_000, 'the push');
    liveSince = Date.now();
  });
  afterAll(async () => {
    for (const p of pushes) p.kill('SIGKILL');
    await browser?.close();
    await Promise.all([dvr?.close(), short?.close()]);
    await Promise.all(dataDirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const stats = (t: TestServer, stream: string) => {
    const live = t.server.hub.get('live', stream);
    return live && t.server.liveHls.statsOf(live);
  };

  it('packages from the start of the push and clears what a crash left behind', async () => {
    expect(stats(dvr, 'dvr')).toBeDefined();
    expect(existsSync(join(dvr.dataDir, 'live-dvr', 'crashed-push'))).toBe(false);
  });

  it('keeps the short window with LIVE_DVR_WINDOW=0, packaged on the first request, without time shift', async () => {
    push(short, 'short', 14);
    await waitFor(() => short.server.hub.get('live', 'short'), 15_000, 'the push');
    await waitFor(
      () => (short.server.hub.get('live', 'short')!.stats.bitrate > 0 ? true : undefined),
      15_000,
      'media',
    );
    expect(stats(short, 'short')).toBeUndefined();
    const url = short.httpUrl('/live/live/short.m3u8');
    expect((await fetch(url)).status).toBe(200);
    // Packaged from now on: wait until the window has slid past its first segment.
    const slid = await waitFor(
      async () => {
        const playlist = parseMediaPlaylist(await (await fetch(url)).text());
        return playlist.mediaSequence > 0 ? playlist : undefined;
      },
      30_000,
      'the window to slide',
    );
    expect(slid.segments).toHaveLength(3);
    expect(stats(short, 'short')!.onDiskSegments).toBe(0);
    const shifted = await fetch(`${url}?txTimeshift=on&tsDelay=5`);
    expect(shifted.status).toBe(400);
    expect(((await shifted.json()) as { message: string }).message).toContain('LIVE_DVR_WINDOW=0');
  }, 90_000);

  it('reaches back to the start of the push, keeps only the newest segments in memory, and time-shifts', async () => {
    await waitFor(() => (Date.now() - liveSince >= 42_000 ? true : undefined), 60_000, '42 s of push');
    const url = (query = '') => dvr.httpUrl(`/live/live/dvr.m3u8${query}`);
    const live = coverage(await (await fetch(url())).text());
    expect(live.playlist.ended).toBe(false);
    expect(live.durationSec).toBeGreaterThanOrEqual(35);
    expect(live.playlist.mediaSequence).toBe(0);

    // Memory stays bounded: older segments are on disk, and read back from there.
    const held = stats(dvr, 'dvr')!;
    expect(held.inMemorySegments).toBeLessThanOrEqual(IN_MEMORY);
    expect(held.onDiskSegments).toBeGreaterThanOrEqual(live.playlist.segments.length - IN_MEMORY - 1);
    const [pushFolder] = await readdir(join(dvr.dataDir, 'live-dvr'));
    expect((await readdir(join(dvr.dataDir, 'live-dvr', pushFolder!))).length).toBeGreaterThanOrEqual(
      held.onDiskSegments,
    );
    for (const segment of [live.playlist.segments[0]!, live.playlist.segments.at(-1)!]) {
      const decoded = await decodeAll(dvr.httpUrl(`/live/live/${segment.uri}`));
      expect(decoded.stderr).toBe('');
      expect(decoded.video).toBeGreaterThan(0);
      expect(decoded.audio).toBeGreaterThan(0);
    }

    // tsDelay: the live edge 20 s back (give or take the segment that ended since).
    const delayed = coverage(await (await fetch(url('?txTimeshift=on&tsDelay=20'))).text());
    expect(delayed.playlist.kind).toBe('live');
    const lag = (live.endMs - delayed.endMs) / 1000;
    expect(lag).toBeGreaterThanOrEqual(15);
    expect(lag).toBeLessThanOrEqual(23);

    // tsStart/tsEnd: 10 s starting 10 s into the push, a finished (VOD) playlist.
    const startSec = Math.floor(live.startMs / 1000) + 10;
    const range = await (
      await fetch(url(`?txTimeshift=on&tsFormat=unix_s&tsStart=${startSec}&tsEnd=${startSec + 10}`))
    ).text();
    const cut = coverage(range);
    expect(cut.playlist).toMatchObject({ kind: 'vod', ended: true });
    expect(cut.startMs).toBeLessThanOrEqual(startSec * 1000);
    expect(cut.startMs + cut.playlist.segments[0]!.durationSec * 1000).toBeGreaterThan(startSec * 1000);
    expect(cut.endMs).toBeGreaterThanOrEqual((startSec + 10) * 1000);
    expect(cut.durationSec).toBeLessThanOrEqual(10 + 2 * 3);
    // The same range in Tencent's human format (UTC+8) is the same playlist.
    const human = (sec: number) =>
      new Date((sec + 8 * 3600) * 1000).toISOString().replace(/\D/g, '').slice(0, 14);
    const humanRange = await fetch(
      url(`?txTimeshift=on&tsFormat=human_s_8&tsStart=${human(startSec)}&tsEnd=${human(startSec + 10)}`),
    );
    expect(await humanRange.text()).toBe(range);

    const refused = await fetch(url('?txTimeshift=on&tsDelay=20&tsCodecname=hd'));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }).message).toMatch(/^tsCodecname: /);
  }, 120_000);

  it('rewinds 30 s in /watch through hls.js, plays, and returns to live', async () => {
    // 30 s back from hls.js's live edge (3 segments behind the newest) needs ~37 s of playlist.
    await waitFor(
      () => ((stats(dvr, 'dvr')?.listedDurationMs ?? 0) >= 37_000 ? true : undefined),
      60_000,
      '37 s of DVR window',
    );
    const context = await newContext(browser);
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(dvr.httpUrl('/watch'));
      await page.locator('.watch-card').first().click();
      await waitForPlayback(page, PANEL_VIDEO, 0.5, 20_000);
      const live = page.getByRole('button', { name: 'Live', exact: true });
      await expect(live.getAttribute('aria-pressed')).resolves.toBe('true');

      await page.getByRole('button', { name: '30 s back' }).click();
      // HLS now, 30 s behind its live edge, and playing on from there.
      await page.waitForFunction(
        (selector) => {
          const video = document.querySelector<HTMLVideoElement>(selector)!;
          const end = video.seekable.length > 0 ? video.seekable.end(video.seekable.length - 1) : 0;
          return end - video.currentTime >= 30 && !video.paused && video.readyState >= 3;
        },
        PANEL_VIDEO,
        { timeout: 30_000, polling: 200 },
      );
      const rewound = await page
        .locator(PANEL_VIDEO)
        .evaluate((video: HTMLVideoElement) => video.currentTime);
      await page.waitForFunction(
        ({ selector, from }) => document.querySelector<HTMLVideoElement>(selector)!.currentTime > from + 1,
        { selector: PANEL_VIDEO, from: rewound },
        { timeout: 20_000, polling: 200 },
      );
      const back = page.getByRole('button', { name: 'Back to live' });
      await expect(back.getAttribute('aria-pressed')).resolves.toBe('false');
      await expect(page.locator('.player-live-behind').textContent()).resolves.toMatch(
        /^0:[23]\d behind live$/,
      );

      await back.click();
      await page.waitForFunction(
        (selector) => {
          const video = document.querySelector<HTMLVideoElement>(selector)!;
          const end = video.seekable.end(video.seekable.length - 1);
          return end - video.currentTime < 12 && !video.paused && video.readyState >= 3;
        },
        PANEL_VIDEO,
        { timeout: 20_000, polling: 200 },
      );
      await expect(live.getAttribute('aria-pressed')).resolves.toBe('true');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
