/// <reference lib="dom" />
/**
 * Cutting a clip in the console in real Chromium: in a recording's inline player, seek, "Mark in",
 * seek, "Mark out & export" (two clicks), and the clip's link appears; the link opens the /play page,
 * which plays the clip at the marked length. An HLS recording's player (hls.js) offers them too. The
 * /play page offers the same controls to a logged-in browser only. With SNAPSHOT_INTERVAL left at 0, the console says snapshots are off and why.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  expectControlsLabelled,
  openLoggedIn,
  recordingsSettled,
} from './console-helpers.js';
import { collectPageErrors, launchBrowser, newContext, waitForPlayback } from './helpers/browser.js';
import { makeTestFlv } from './helpers/flv-packets.js';
import { pushFlvFiles } from './helpers/pusher.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RecordingJson {
  id: string;
  format: string;
  playerUrl: string;
}

const FPS = 30;

/** Seeks the video under `selector` to `seconds` and waits for the seek to land. */
async function seekTo(page: Page, selector: string, seconds: number): Promise<void> {
  await page.$eval(
    selector,
    (element, to) =>
      new Promise<void>((resolve) => {
        const video = element as HTMLVideoElement;
        video.pause();
        video.addEventListener('seeked', () => resolve(), { once: true });
        video.currentTime = to;
      }),
    seconds,
  );
}

/**
 * Plays recording `id` in its row of the recordings page, marks in at `from` and out at `to` (seconds), and
 * returns the clip link the console shows once the clip is made.
 */
async function markClipInline(page: Page, id: string, from: number, to: number): Promise<Locator> {
  const row = page.locator(`tbody[data-id="${id}"]`);
  await row.getByRole('button', { name: /^Play / }).click();
  const selector = `tbody[data-id="${id}"] video`;
  await waitForPlayback(page, selector, 0.5, 20_000);
  await seekTo(page, selector, from);
  await row.getByRole('button', { name: /^Mark in/ }).click();
  await seekTo(page, selector, to);
  await row.getByRole('button', { name: /^Mark out/ }).click();
  const link = row.getByRole('textbox', { name: 'Clip link' });
  await link.waitFor({ timeout: 30_000 });
  return link;
}

describe('console: mark in, mark out, share the clip', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    let source: string;
    [t, browser, source] = await Promise.all([
      startTestServer({ ADMIN_PASSWORD }),
      launchBrowser(),
      makeTestFlv({ seconds: 10, fps: FPS, gop: FPS, bframes: true }),
    ]);
    await pushFlvFiles(t.rtmpUrl('live', 'cut', 'record=mp4|hls'), [source]);
    await recordingsSettled(t);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('exports 2.0–6.5 s of an MP4 recording and plays it from the copied link', async () => {
    const listed = (await (await fetch(t.httpUrl('/api/v1/recordings?stream=cut'))).json()) as {
      recordings: RecordingJson[];
    };
    const source = listed.recordings.find((r) => r.format === 'mp4')!;
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/recordings');
    try {
      // Posters and scrub thumbnails come from snapshots: the console says they are off, and why.
      await page
        .getByRole('status')
        .filter({ hasText: 'Snapshots are off: SNAPSHOT_INTERVAL is 0.' })
        .waitFor();
      const row = page.locator(`tbody[data-id="${source.id}"]`);
      const link = await markClipInline(page, source.id, 2, 6.5);
      await expectControlsLabelled(page);
      const clipUrl = await link.inputValue();
      expect(clipUrl).toMatch(/\/play\/\d+/);

      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      const copy = row.getByRole('button', { name: 'Copy Clip link' });
      await copy.click();
      await expect.poll(() => copy.textContent()).toBe('Copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clipUrl);

      await page.goto(clipUrl);
      await page.waitForFunction(() => (document.querySelector('video')?.readyState ?? 0) >= 1, undefined, {
        timeout: 20_000,
      });
      const duration = await page.evaluate(() => document.querySelector('video')!.duration);
      expect(Math.abs(duration - 4.5)).toBeLessThanOrEqual(1 / FPS + 0.001);
      await page.evaluate(() => {
        const video = document.querySelector('video')!;
        video.muted = true;
        return video.play();
      });
      await waitForPlayback(page, 'video', 1, 20_000);
      // Logged in, the /play page offers the same two buttons.
      await page.getByRole('button', { name: /^Mark in/ }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('exports a clip out of an HLS recording from its inline player too', async () => {
    const listed = (await (await fetch(t.httpUrl('/api/v1/recordings?stream=cut'))).json()) as {
      recordings: RecordingJson[];
    };
    const source = listed.recordings.find((r) => r.format === 'hls')!;
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/recordings');
    try {
      const link = await markClipInline(page, source.id, 2, 5);
      expect(await link.inputValue()).toMatch(/\/play\/\d+/);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('says on Live now that snapshots are off, and why', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/live');
    try {
      await page
        .getByRole('status')
        .filter({ hasText: 'Snapshots are off: SNAPSHOT_INTERVAL is 0.' })
        .waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('does not offer clipping on the /play page to a browser that is not logged in', async () => {
    const listed = (await (await fetch(t.httpUrl('/api/v1/recordings?stream=cut'))).json()) as {
      recordings: RecordingJson[];
    };
    const context = await newContext(browser, 'desktop');
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(listed.recordings.find((r) => r.format === 'mp4')!.playerUrl);
      await page.locator('video').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: /^Mark (in|out)/ }).count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
