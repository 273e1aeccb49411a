/// <reference lib="dom" />
/**
 * The console in real Chromium against a real ffmpeg push: log in (landing on the page asked for), the
 * push shows up in Live now with a playing preview, and once it stops its MP4, HLS and FLV recordings
 * are listed and each plays in the inline player, seeking to the middle. Copy URL, Broadcasts and Delete
 * work on what was recorded, and the format filter narrows the list. Screenshots of both pages, desktop
 * and phone.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  expectControlsLabelled,
  expectSeekToMiddlePlays,
  openLoggedIn,
  recordingsSettled,
} from './console-helpers.js';
import { launchBrowser, screenshot, waitForPlayback } from './helpers/browser.js';
import { ffmpegPushArgs, run } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

interface RecordingJson {
  id: string;
  format: string;
  url: string;
}

describe('console: Live now and Recordings', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer({ ADMIN_PASSWORD }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('previews a live push, then plays each recorded format inline with a seek', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/recordings');
    try {
      await page.getByRole('link', { name: 'Live now' }).click();
      await expect.poll(() => page.url()).toMatch(/\/console\/live$/);
      await page.getByRole('heading', { name: 'Nobody is streaming right now' }).waitFor();

      const url = t.rtmpUrl('live', 'cam1', 'record=mp4|hls|flv');
      const pushing = run('ffmpeg', ffmpegPushArgs(url, { seconds: 14, gop: 30 }), { timeoutMs: 40_000 });
      const card = page.getByRole('listitem', { name: 'live/cam1' });
      await card.waitFor({ timeout: 15_000 });
      await waitForPlayback(page, '.stream-card video', 1, 20_000);
      const facts = await card.locator('dl').textContent();
      expect(facts).toContain('H.264 · 320×240');
      expect(facts).toContain('AAC');
      for (const format of ['MP4', 'HLS', 'FLV']) {
        await expect
          .poll(() => card.getByRole('list', { name: 'Formats being recorded' }).textContent())
          .toContain(format);
      }
      // Two polls later the preview is the same element, played on: polling does not reload it.
      let polls = 0;
      page.on('requestfinished', (request) => {
        if (new URL(request.url()).pathname === '/api/v1/streams') polls++;
      });
      const video = (await page.$('.stream-card video'))!;
      const playedBefore = await video.evaluate((v) => (v as HTMLVideoElement).currentTime);
      const phoneShot = phonePreviewScreenshot();
      await expect.poll(() => polls, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      await expect
        .poll(() => video.evaluate((v) => (v as HTMLVideoElement).currentTime), { timeout: 30_000 })
        .toBeGreaterThan(playedBefore + 3);
      expect(await page.$eval('.stream-card video', (v, same) => v === same, video)).toBe(true);
      // Bitrate is measured over 5 s windows: the sparkline appears with the second one.
      await card.getByRole('img', { name: /^Recent bitrate, \d+ measurements/ }).waitFor({ timeout: 10_000 });
      await expectControlsLabelled(page);
      await screenshot(page, 'console-live-desktop');
      await phoneShot;

      expect((await pushing).code).toBe(0);
      await recordingsSettled(t);
      await page.getByRole('link', { name: 'Recordings' }).click();
      const files = await recordingsOf('cam1');
      expect(files.map((f) => f.format).sort()).toEqual(['flv', 'hls', 'mp4']);

      for (const file of files) {
        const row = page.locator(`tbody[data-id="${file.id}"]`);
        await row.getByRole('button', { name: /^Play / }).click();
        const selector = `tbody[data-id="${file.id}"] video`;
        await waitForPlayback(page, selector, 0.5, 20_000);
        await expectSeekToMiddlePlays(page, selector);
        if (file.format === 'mp4') await screenshot(page, 'console-recordings-desktop');
        await row.getByRole('button', { name: /^Close / }).click();
      }

      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      const mp4 = files.find((f) => f.format === 'mp4')!;
      const copy = page.locator(`tbody[data-id="${mp4.id}"]`).getByRole('button', { name: /^Copy URL/ });
      await copy.click();
      await expect.poll(() => copy.textContent()).toBe('Copied');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(mp4.url);

      await page.getByLabel('Format').selectOption('hls');
      await page.getByRole('button', { name: 'Search' }).click();
      await expect.poll(() => page.url()).toMatch(/\/console\/recordings\?format=hls$/);
      await expect.poll(() => page.locator('tbody.recording').count()).toBe(1);
      await page.locator(`tbody[data-id="${files.find((f) => f.format === 'hls')!.id}"]`).waitFor();
      await expectControlsLabelled(page);
      await page.getByRole('link', { name: 'Clear' }).click();
      await expect.poll(() => page.locator('tbody.recording').count()).toBe(3);

      await page.getByRole('link', { name: 'Broadcasts' }).click();
      const broadcast = page.locator('li.broadcast');
      await expect.poll(() => broadcast.count()).toBe(1);
      await expect.poll(() => broadcast.textContent()).toContain('live/cam1');
      await broadcast.getByRole('button', { name: 'Copy replay URL' }).waitFor();
      await screenshot(page, 'console-broadcasts-desktop');
      await page.goBack();
      await expect.poll(() => page.url()).toMatch(/\/console\/recordings$/);

      const flv = files.find((f) => f.format === 'flv')!;
      await page
        .locator(`tbody[data-id="${flv.id}"]`)
        .getByRole('button', { name: /^Delete / })
        .click();
      const dialog = page.getByRole('dialog', { name: 'Delete this recording?' });
      await dialog.getByRole('button', { name: 'Delete recording' }).click();
      await page.locator(`tbody[data-id="${flv.id}"]`).waitFor({ state: 'detached' });
      expect((await fetch(t.httpUrl(`/api/v1/recordings/${flv.id}`))).status).toBe(404);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
    const phone = await openLoggedIn(browser, t, '/console/recordings', 'phone');
    try {
      await phone.page.locator('tbody.recording').first().waitFor();
      await screenshot(phone.page, 'console-recordings-phone');
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  async function phonePreviewScreenshot() {
    const phone = await openLoggedIn(browser, t, '/console/live', 'phone');
    try {
      await waitForPlayback(phone.page, '.stream-card video', 0.5, 20_000);
      await screenshot(phone.page, 'console-live-phone');
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.close();
    }
  }

  async function recordingsOf(stream: string): Promise<RecordingJson[]> {
    const response = await fetch(t.httpUrl(`/api/v1/recordings?stream=${stream}`));
    return ((await response.json()) as { recordings: RecordingJson[] }).recordings;
  }
});
