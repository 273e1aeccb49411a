/// <reference lib="dom" />
/**
 * Settings and Notifications in real Chromium: switching global recording on (MP4) makes the next push
 * without `record=` record an MP4; switching it off makes the next push record nothing. Retention saves
 * and a bad value shows the server's message next to its form. The callbacks of those pushes fail at a
 * receiver answering 500, show up dead with its answer, and one is redelivered once it answers 200.
 * Screenshots of both pages, desktop and phone.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  expectControlsLabelled,
  logIn,
  openLoggedIn,
  recordingsSettled,
} from './console-helpers.js';
import { apiGet } from './helpers/api.js';
import { collectPageErrors, launchBrowser, newContext, screenshot } from './helpers/browser.js';
import { ACK, type CallbackReceiver, startCallbackReceiver } from './helpers/callback-receiver.js';
import { ffmpegPushArgs, run } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const FAILURE = { status: 500, body: '{"error":"backend is down"}' };

describe('console: Settings and Notifications', () => {
  let t: TestServer;
  let browser: Browser;
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    receiver.answer = () => FAILURE;
    [t, browser] = await Promise.all([
      startTestServer({ ADMIN_PASSWORD, CALLBACK_URL: receiver.url, CALLBACK_RETRY_COUNT: '0' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await receiver?.close();
  });

  it('global recording on records the next push as MP4; off records nothing', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/settings');
    try {
      const recording = page.getByRole('form', { name: 'Recording settings' });
      const toggle = recording.getByRole('switch', { name: 'Record every push' });
      expect(await toggle.isChecked()).toBe(false);
      await toggle.check();
      expect(await recording.getByRole('checkbox', { name: /^MP4/ }).isChecked()).toBe(true);
      await recording.getByRole('button', { name: 'Save' }).click();
      await recording.getByText('Saved: new pushes are recorded as MP4.').waitFor();
      expect(await settingsFormats()).toEqual(['mp4']);

      await push('auto-on');
      const files = await recordingsOf('auto-on');
      expect(files.map((f) => f.format)).toEqual(['mp4']);

      await toggle.uncheck();
      await recording.getByRole('button', { name: 'Save' }).click();
      await recording.getByText('Saved: new pushes are not recorded unless their URL asks.').waitFor();
      expect(await settingsFormats()).toEqual([]);
      await push('auto-off');
      expect(await recordingsOf('auto-off')).toEqual([]);

      const retention = page.getByRole('form', { name: 'Retention settings' });
      await retention.getByLabel('Keep recordings for (days)').fill('-3');
      await retention.getByRole('button', { name: 'Save' }).click();
      const problem = await retention.getByRole('alert').textContent();
      expect(problem).toMatch(/days/);
      // The browser logs the refused request itself; nothing else may have gone wrong so far.
      expect(errors.splice(0)).toEqual([expect.stringContaining('status of 400')]);
      await retention.getByLabel('Keep recordings for (days)').fill('30');
      await retention.getByRole('button', { name: 'Save' }).click();
      await retention.getByText('Saved.').waitFor();
      expect(await api<{ days: number }>('/api/v1/settings/retention')).toMatchObject({ days: 30 });

      await expectControlsLabelled(page);
      await screenshot(page, 'console-settings-desktop');
      await phoneScreenshot('/console/settings', 'console-settings-phone', 'Retention');

      // Logging out shows the login view; a wrong password says so and keeps the focus in the field.
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL((url) => url.pathname === '/console/login');
      expect(await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()))).toEqual({
        authenticated: false,
      });
      await logIn(page, 'not-the-password');
      expect(await page.getByRole('alert').textContent()).toBe('Wrong password.');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
      expect(errors.splice(0)).toEqual([expect.stringContaining('status of 401')]);
      await screenshot(page, 'console-login-desktop');
      await loginScreenshotPhone();
      await logIn(page);
      await page.waitForURL((url) => url.pathname === '/console/settings');
      await page.getByRole('heading', { name: 'Retention' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  it('lists dead callbacks with the receiver answer and redelivers one', async () => {
    await waitForDead();
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/notifications');
    try {
      await page.getByLabel('Status').selectOption('dead');
      await expect.poll(() => page.url()).toMatch(/status=dead$/);
      const first = page.locator('tbody.notification').first();
      await first.waitFor();
      expect(await first.textContent()).toContain('HTTP 500');
      await first.getByRole('button', { name: 'Answer' }).click();
      expect(await first.locator('pre.response').textContent()).toBe(FAILURE.body);
      await expectControlsLabelled(page);
      await screenshot(page, 'console-notifications-desktop');

      receiver.answer = () => ACK;
      await first.getByRole('button', { name: 'Redeliver' }).click();
      await first.getByText('Queued again.').waitFor();
      await receiver.waitForAccepted(1);
      await phoneScreenshot('/console/notifications', 'console-notifications-phone', 'Notifications');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });

  async function push(stream: string) {
    const result = await run(
      'ffmpeg',
      ffmpegPushArgs(t.rtmpUrl('live', stream), { seconds: 3, gop: 30, realtime: false }),
    );
    expect(result.code).toBe(0);
    await recordingsSettled(t);
  }

  const api = <T>(path: string) => apiGet<T>(t, path);

  async function settingsFormats() {
    return (await api<{ formats: string[] }>('/api/v1/settings/recording')).formats;
  }

  async function recordingsOf(stream: string) {
    return (await api<{ recordings: { format: string }[] }>(`/api/v1/recordings?stream=${stream}&status=all`))
      .recordings;
  }

  async function waitForDead() {
    await expect
      .poll(
        async () =>
          (await api<{ notifications: unknown[] }>('/api/v1/notifications?status=dead')).notifications.length,
        {
          timeout: 15_000,
        },
      )
      .toBeGreaterThan(0);
  }

  async function loginScreenshotPhone() {
    const context = await newContext(browser, 'phone');
    try {
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      await page.goto(t.httpUrl('/console/live'));
      await page.getByLabel('Admin password').waitFor();
      await expectControlsLabelled(page);
      await screenshot(page, 'console-login-phone');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }

  async function phoneScreenshot(path: string, name: string, waitForHeading: string) {
    const phone = await openLoggedIn(browser, t, path, 'phone');
    try {
      await phone.page.getByRole('heading', { name: waitForHeading }).waitFor();
      await settle(phone.page);
      await screenshot(phone.page, name);
      expect(phone.errors).toEqual([]);
    } finally {
      await phone.close();
    }
  }
});

/** Every "Loading…" line of the page has been replaced by what was loaded. */
async function settle(page: Page) {
  await page.waitForFunction(() => !document.body.textContent?.includes('Loading…'));
}
