/**
 * /watch in real Chromium: a real ffmpeg push live now and a 61 s replay recorded from another push
 * (pushed at full speed). Live rooms come first, replays after; a click, Enter or Space plays a card in
 * the panel; a room title set through the API shows up on the next refresh without stopping the video;
 * the player says so when the publisher stops.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectPageErrors,
  launchBrowser,
  newContext,
  screenshot,
  waitForPlayback,
} from './helpers/browser.js';
import { ffmpegPushArgs, run, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PANEL_VIDEO = 'section[aria-label="Now playing"] video';

describe('/watch', () => {
  let t: TestServer;
  let browser: Browser;
  let live: ChildProcess | undefined;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
    // 61 s of 320x240 encode in a few seconds without -re: a replay long enough to be listed.
    const replay = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', 'replay1', 'record=hls|mp4'), { seconds: 61, realtime: false }),
    );
    expect(replay.stderr).toBe('');
    await waitFor(() => (t.server.recordings.activeCount === 0 ? true : undefined), 30_000, 'recordings');
    live = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'room1'), { seconds: 90 }), { stdio: 'ignore' });
    await waitFor(
      async () => {
        const { live: rooms } = (await (await fetch(t.httpUrl('/api/watch'))).json()) as { live: unknown[] };
        return rooms.length === 1 ? true : undefined;
      },
      15_000,
      'the live room',
    );
  });
  afterAll(async () => {
    live?.kill('SIGKILL');
    await browser?.close();
    await t?.close();
  });

  async function withPage(
    viewport: 'desktop' | 'phone',
    use: (page: Page) => Promise<void>,
    expectedErrors: string[] = [],
  ) {
    const context = await newContext(browser, viewport);
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(t.httpUrl('/watch'));
      await page.locator('.watch-card').nth(1).waitFor();
      await use(page);
      expect(errors).toEqual(expectedErrors);
    } finally {
      await context.close();
    }
  }

  it('lists the live room first, then the replay; plays both; a new room title shows without a restart', async () => {
    await withPage('desktop', async (page) => {
      const headings = await page.getByRole('heading', { level: 2 }).allTextContents();
      expect(headings).toEqual(['Live now', 'Replays']);
      const cards = page.locator('.watch-card');
      expect(await cards.count()).toBe(2);
      const liveCard = cards.nth(0);
      const replayCard = cards.nth(1);
      await expect(liveCard.locator('.watch-badge-live').textContent()).resolves.toBe('LIVE');
      await expect(liveCard.locator('.watch-card-meta').textContent()).resolves.toBe('room1 · 0 watching');
      await expect(liveCard.locator('time').textContent()).resolves.toMatch(
        /^Started (just now|1 minute ago)/,
      );
      await expect(replayCard.locator('.watch-card-title').textContent()).resolves.toBe('replay1');
      expect(await replayCard.locator('.watch-badge-live').count()).toBe(0);
      await expect(replayCard.locator('.watch-badge-duration').textContent()).resolves.toMatch(/^1:0[01]$/);
      for (const card of [liveCard, replayCard]) {
        expect(Date.parse((await card.locator('time').getAttribute('datetime'))!)).toBeGreaterThan(
          Date.now() - 300_000,
        );
      }
      await screenshot(page, 'watch-desktop');

      await liveCard.click();
      await waitForPlayback(page, PANEL_VIDEO, 1, 20_000);
      await expect(liveCard.getAttribute('aria-current')).resolves.toBe('true');
      await expect(page.locator('.watch-now-title').textContent()).resolves.toBe('room1');
      // A live timeline, not a seek bar ending at the length ffmpeg put in its onMetaData.
      expect(await page.locator(PANEL_VIDEO).evaluate((video: HTMLVideoElement) => video.duration)).toBe(
        Number.POSITIVE_INFINITY,
      );
      await screenshot(page, 'watch-desktop-live');

      const title = await fetch(t.httpUrl('/api/v1/rooms/room1'), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Evening show' }),
      });
      expect(title.status).toBeLessThan(300);
      const before = await page.locator(PANEL_VIDEO).evaluate((video: HTMLVideoElement) => {
        (video as HTMLVideoElement & { marked?: boolean }).marked = true;
        return video.currentTime;
      });
      // The list refreshes every 15 s: the card gets the title, the playing video is left alone.
      await page.waitForFunction(
        () => document.querySelector('.watch-card .watch-card-title')?.textContent === 'Evening show',
        undefined,
        { timeout: 20_000 },
      );
      await expect(liveCard.locator('.watch-card-meta').textContent()).resolves.toBe('room1 · 1 watching');
      const after = await page.locator(PANEL_VIDEO).evaluate((video: HTMLVideoElement) => ({
        marked: (video as HTMLVideoElement & { marked?: boolean }).marked,
        time: video.currentTime,
        paused: video.paused,
      }));
      expect(after).toMatchObject({ marked: true, paused: false });
      expect(after.time).toBeGreaterThan(before + 5);

      await replayCard.focus();
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('.watch-now-title')?.textContent === 'replay1');
      await waitForPlayback(page, PANEL_VIDEO, 1, 20_000);
      const replays = (await (await fetch(t.httpUrl('/api/watch'))).json()) as {
        replays: Array<{ playerUrl: string }>;
      };
      await expect(page.getByRole('link', { name: 'Open player page' }).getAttribute('href')).resolves.toBe(
        replays.replays[0]!.playerUrl,
      );
    });
  });

  it('falls back to live HLS when HTTP-FLV is refused', async () => {
    const refused = 'console: Failed to load resource: the server responded with a status of 404 (Not Found)';
    await withPage(
      'desktop',
      async (page) => {
        const asked: string[] = [];
        page.on('request', (request) => asked.push(new URL(request.url()).pathname));
        await page.route('**/*.flv*', (route) => route.fulfill({ status: 404, body: 'no FLV here' }));
        await page.locator('.watch-card').nth(0).click();
        await waitForPlayback(page, PANEL_VIDEO, 1, 25_000);
        expect(asked).toContain('/live/live/room1.flv');
        expect(asked.some((path) => path.endsWith('.m3u8'))).toBe(true);
      },
      [refused],
    );
  });

  it('is one column on a phone, and Space on a focused card plays it', async () => {
    await withPage('phone', async (page) => {
      const boxes = await page
        .locator('.watch-card')
        .evaluateAll((cards) => cards.map((card) => card.getBoundingClientRect().toJSON() as DOMRect));
      expect(boxes[1]!.x).toBe(boxes[0]!.x);
      expect(boxes[1]!.y).toBeGreaterThan(boxes[0]!.y + boxes[0]!.height - 1);
      expect(boxes[0]!.width).toBeGreaterThan(330);
      await screenshot(page, 'watch-phone');
      await page.locator('.watch-card').nth(0).focus();
      await page.keyboard.press('Space');
      await waitForPlayback(page, PANEL_VIDEO, 1, 20_000);
      await screenshot(page, 'watch-phone-live');
      // The publisher goes away: the server ends the FLV response and the player says so.
      live?.kill('SIGKILL');
      await page.waitForFunction(
        () => document.querySelector('.watch-now .player-message')?.textContent === 'Stream ended.',
        undefined,
        { timeout: 15_000 },
      );
    });
  });
});
