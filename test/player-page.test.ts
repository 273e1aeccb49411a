/**
 * /play/{id} in real Chromium against recordings of a real ffmpeg push, with PLAY_KEY set: MP4, HLS and
 * FLV recordings play and seek, broadcasts play (one HLS replay; parts in order when recorded without
 * HLS), an unsigned link is refused with a readable message, and the page plays framed by another origin.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGet } from './helpers/api.js';
import {
  collectPageErrors,
  launchBrowser,
  newContext,
  screenshot,
  waitForPlayback,
} from './helpers/browser.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface FileJson {
  id: string;
  format: string;
  durationMs: number;
  broadcastId: string;
  playerUrl: string;
}

interface BroadcastJson {
  id: string;
  playerUrl: string;
}

const PLAY_KEY = 'player-page-test-key';

describe('/play/{id}', () => {
  let t: TestServer;
  let browser: Browser;
  let files: FileJson[];
  let broadcast: BroadcastJson;
  let partsBroadcast: BroadcastJson;
  const file = (format: string) => files.find((f) => f.format === format)!;

  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestServer({ PLAY_KEY, RECORD_INTERVAL_MIN: '1' }),
      launchBrowser(),
    ]);
    await push('vod', 'record=flv|mp4|hls', 8);
    // Keyframes every second, files of 3 s: a broadcast of several MP4 parts and no HLS.
    await push('parts', 'record=mp4&record_interval=3', 7);
    await waitFor(() => (t.server.recordings.activeCount === 0 ? true : undefined), 30_000, 'recordings');
    files = (await api<{ recordings: FileJson[] }>('/api/v1/recordings?stream=vod')).recordings;
    broadcast = (await api<{ broadcasts: BroadcastJson[] }>('/api/v1/broadcasts?stream=vod')).broadcasts[0]!;
    partsBroadcast = (await api<{ broadcasts: BroadcastJson[] }>('/api/v1/broadcasts?stream=parts'))
      .broadcasts[0]!;
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function push(stream: string, query: string, seconds: number) {
    const url = t.rtmpUrl('live', stream, query);
    const result = await run('ffmpeg', ffmpegPushArgs(url, { seconds, gop: 30, realtime: false }));
    expect(result.stderr).toBe('');
  }

  const api = <T>(path: string) => apiGet<T>(t, path);

  async function withPage(
    viewport: 'desktop' | 'phone',
    use: (page: Page, errors: string[]) => Promise<void>,
  ) {
    const context = await newContext(browser, viewport);
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await use(page, errors);
    } finally {
      await context.close();
    }
  }

  it.each(['mp4', 'hls', 'flv'])(
    'plays a %s recording from its signed playerUrl and seeks to the middle',
    async (format) => {
      const recording = file(format);
      expect(recording.playerUrl).toMatch(/\/play\/\d+\?.*txSecret=[0-9a-f]{32}/);
      await withPage('desktop', async (page, errors) => {
        await page.goto(recording.playerUrl);
        await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('vod');
        await startAndSeek(page);
        if (format === 'mp4') {
          await expect(page.locator('.play-details time').getAttribute('datetime')).resolves.toMatch(
            /^\d{4}-/,
          );
          await expect(page.locator('#play-link').inputValue()).resolves.toBe(recording.playerUrl);
          const embed = await page.locator('#play-embed').inputValue();
          expect(embed).toMatch(/^<iframe src="[^"]+embed=1" .*allowfullscreen><\/iframe>$/);
          await screenshot(page, 'play-desktop');
        }
        expect(errors).toEqual([]);
      });
    },
  );

  it('plays a broadcast id as its HLS replay', async () => {
    await withPage('phone', async (page, errors) => {
      await page.goto(broadcast.playerUrl);
      await startAndSeek(page);
      await screenshot(page, 'play-phone');
      expect(errors).toEqual([]);
    });
  });

  it('plays a broadcast recorded without HLS as parts, one after another', async () => {
    await withPage('desktop', async (page, errors) => {
      await page.goto(partsBroadcast.playerUrl);
      const picker = page.getByLabel(/^Part of \d+$/);
      // The picker appears once the page has read the broadcast: wait for it before counting.
      await picker.locator('option').nth(1).waitFor({ state: 'attached' });
      const count = await picker.locator('option').count();
      expect(count).toBeGreaterThanOrEqual(2);
      await expect(page.locator('.player-parts').textContent()).resolves.toMatch(new RegExp(`of ${count}$`));
      await startPlayback(page);
      // Near the end of part 1 the player moves on to part 2 by itself.
      await page.evaluate(() => {
        const video = document.querySelector('video')!;
        video.currentTime = video.duration - 0.3;
      });
      await page.waitForFunction(() => document.querySelector('select')?.value === '1', undefined, {
        timeout: 10_000,
      });
      await waitForPlayback(page, 'video', 0.5);
      await screenshot(page, 'play-parts');
      // Picking a part plays it.
      await picker.selectOption('0');
      await page.waitForFunction(() => {
        const video = document.querySelector('video')!;
        return video.currentTime > 0.3 && video.currentTime < 2.5 && !video.paused;
      });
      expect(errors).toEqual([]);
    });
  });

  it('refuses an unsigned link with a readable message', async () => {
    await withPage('desktop', async (page, errors) => {
      await page.goto(t.httpUrl(`/play/${file('mp4').id}`));
      const alert = page.getByRole('alert');
      await expect(alert.textContent()).resolves.toMatch(
        /expired or is not signed.*txTime parameter is missing/,
      );
      expect(await page.locator('video').count()).toBe(0);
      await screenshot(page, 'play-forbidden');
      // The browser itself logs the refused fetch; nothing else may go wrong.
      expect(errors.filter((e) => !e.includes('403'))).toEqual([]);
      // With signing on, an unsigned link to nothing is refused like any other: it must not tell which
      // recordings exist (issue 11).
      await page.goto(t.httpUrl('/play/1234567890123456789'));
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(
        /expired or is not signed.*txTime parameter is missing/,
      );
    });
  });

  it('plays framed by a page of another origin, with a compact header and no share box', async () => {
    const recording = file('mp4');
    const host = await serveHtml(
      `<!doctype html><html lang="en"><title>Embedding site</title><h1>Someone's blog</h1>
       <iframe title="Recording" src="${recording.playerUrl}" width="640" height="360" style="border:0" allowfullscreen></iframe>`,
    );
    try {
      await withPage('desktop', async (page, errors) => {
        // localhost vs 127.0.0.1: another site, not only another origin.
        await page.goto(`http://localhost:${host.port}/`);
        const frame = await waitFor(
          () => page.frames().find((f) => f.url().includes('/play/')),
          10_000,
          'frame',
        );
        await frame.waitForSelector('video');
        expect(await frame.locator('.play-embedded').count()).toBe(1);
        expect(await frame.locator('.play-share').count()).toBe(0);
        expect(await frame.locator('a.play-title').getAttribute('target')).toBe('_blank');
        await startAndSeek(frame);
        const box = await page.locator('iframe').boundingBox();
        const video = await frame.locator('video').boundingBox();
        // The video fills the frame below the compact header.
        expect(video!.width).toBeGreaterThan(box!.width - 2);
        expect(video!.y + video!.height).toBeLessThanOrEqual(box!.y + box!.height + 1);
        expect(video!.height).toBeGreaterThan(box!.height * 0.75);
        await screenshot(page, 'play-embedded');
        expect(errors).toEqual([]);
      });
    } finally {
      await host.close();
    }
  });
});

/** Waits for media, starts it and waits until it has played half a second. */
async function startPlayback(page: Page | Frame): Promise<void> {
  await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1, undefined, {
    timeout: 20_000,
  });
  await page.evaluate(() => document.querySelector('video')!.play());
  await page.waitForFunction(
    () => {
      const video = document.querySelector('video')!;
      return video.currentTime > 0.5 && !video.paused;
    },
    undefined,
    { timeout: 20_000 },
  );
}

/** Plays, seeks to the middle and checks playback carries on from there (not from 0, not stuck). */
async function startAndSeek(page: Page | Frame): Promise<void> {
  await startPlayback(page);
  const middle = await page.evaluate(async () => {
    const video = document.querySelector('video')!;
    const target = video.duration / 2;
    const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
    video.currentTime = target;
    await seeked;
    return target;
  });
  expect(middle).toBeGreaterThan(2);
  await page.waitForFunction(
    (middle) => {
      const video = document.querySelector('video')!;
      return video.currentTime > middle + 0.5 && !video.paused;
    },
    middle,
    { timeout: 15_000 },
  );
  const now = await page.evaluate(() => document.querySelector('video')!.currentTime);
  expect(now).toBeLessThan(middle + 3);
}

async function serveHtml(html: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
