/// <reference lib="dom" />
/**
 * The Push URL page and the key settings in real Chromium, on a server with PUSH_KEY: the generated URL
 * (and its OBS Server + Stream Key split) is accepted when ffmpeg pushes to it while an unsigned one is
 * refused; the push appears in Live now and Kick ends it. Rotating the push key in Settings makes a new
 * primary and keeps the old one as a backup, and the next generated URL is signed with the new key.
 * Screenshots of the page, desktop and phone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  expectControlsLabelled,
  openLoggedIn,
  recordingsSettled,
} from './console-helpers.js';
import { apiGet } from './helpers/api.js';
import { launchBrowser, screenshot } from './helpers/browser.js';
import { ffmpegPushArgs, run } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const PUSH_KEY = 'console-push-key-1';

describe('console: Push URL and keys', () => {
  let t: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer({ ADMIN_PASSWORD, PUSH_KEY }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('generates a signed URL that ffmpeg can push to, and Kick ends that push', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/push');
    try {
      const pushUrl = await generate(page, 'studio1', ['MP4']);
      expect(pushUrl.url).toContain('txSecret=');
      expect(pushUrl.url).toBe(`${pushUrl.server}/${pushUrl.streamKey}`);
      expect(pushUrl.ffmpeg).toContain(pushUrl.url);
      await expectControlsLabelled(page);
      await screenshot(page, 'console-push-desktop');

      const unsigned = await run('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'studio1'), { seconds: 2 }), {
        timeoutMs: 15_000,
      });
      expect(unsigned.code).not.toBe(0);

      const pushing = run('ffmpeg', ffmpegPushArgs(pushUrl.url, { seconds: 30, gop: 30 }), {
        timeoutMs: 40_000,
      });
      await page.getByRole('link', { name: 'Live now' }).click();
      const card = page.getByRole('listitem', { name: 'live/studio1' });
      await card.waitFor({ timeout: 15_000 });
      await expect.poll(() => card.textContent()).toContain('MP4');
      await page.waitForTimeout(2500);
      await card.getByRole('button', { name: 'Kick the publisher of live/studio1' }).click();
      const kickedAt = Date.now();
      await page.getByRole('dialog').getByRole('button', { name: 'Kick publisher' }).click();
      await card.waitFor({ state: 'detached', timeout: 10_000 });
      // The 30 s push ends at once: the server closed it.
      await pushing;
      expect(Date.now() - kickedAt).toBeLessThan(10_000);
      await recordingsSettled(t);
      const files = await api<{ recordings: { format: string }[] }>('/api/v1/recordings?stream=studio1');
      expect(files.recordings.map((f) => f.format)).toEqual(['mp4']);
      await page.getByRole('heading', { name: 'Nobody is streaming right now' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }

    const phone = await openLoggedIn(browser, t, '/console/push', 'phone');
    try {
      await generate(phone.page, 'studio1', []);
      await screenshot(phone.page, 'console-push-phone');
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.close();
    }
  });

  it('rotates the push key: a new primary signs the next URL, the old key stays as backup', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/settings');
    try {
      const keys = page.getByRole('region', { name: 'Push keys' });
      await keys.getByText('Primary', { exact: true }).waitFor();
      expect(await keys.locator('code').textContent()).toBe(`••••••••${PUSH_KEY.slice(-4)}`);
      await keys.getByRole('button', { name: 'Rotate push keys' }).click();
      await page
        .getByRole('dialog', { name: 'Rotate the push key?' })
        .getByRole('button', { name: 'Rotate' })
        .click();
      await keys.getByText('Backup 1', { exact: true }).waitFor();
      await keys.getByRole('button', { name: 'Show push key backup 1' }).click();
      expect(await keys.locator('li.key').nth(1).locator('code').textContent()).toBe(PUSH_KEY);
      const stored = await api<{ push: { keys: string[] } }>('/api/v1/settings/keys');
      expect(stored.push.keys).toHaveLength(2);
      expect(stored.push.keys[1]).toBe(PUSH_KEY);

      await page.getByRole('link', { name: 'Push URL' }).click();
      const pushUrl = await generate(page, 'studio2', []);
      const result = await run('ffmpeg', ffmpegPushArgs(pushUrl.url, { seconds: 2, realtime: false }), {
        timeoutMs: 20_000,
      });
      expect(result.code).toBe(0);
      await recordingsSettled(t);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  /** Fills the Push URL form and reads back the generated fields. */
  async function generate(page: Page, stream: string, formats: string[]) {
    await page.getByLabel('Stream name').fill(stream);
    await page.getByLabel('Valid for').selectOption({ label: '1 hour' });
    for (const format of formats) await page.getByRole('checkbox', { name: format, exact: true }).check();
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Push URL ready.').waitFor();
    const value = (label: string) => page.getByLabel(label, { exact: true }).inputValue();
    return {
      server: await value('Server'),
      streamKey: await value('Stream Key'),
      url: await value('Full URL'),
      ffmpeg: await value('ffmpeg command'),
    };
  }

  const api = <T>(path: string) => apiGet<T>(t, path);
});
