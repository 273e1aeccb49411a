/// <reference lib="dom" />
/**
 * The console's on-demand recording in real Chromium against a real ffmpeg push that asks for no
 * recording: Record on the live card makes a task and records, Stop recording finishes the file, and the
 * Tasks page lists the stopped task with its file.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, expectControlsLabelled, openLoggedIn } from './console-helpers.js';
import { launchBrowser, screenshot } from './helpers/browser.js';
import { ffmpegPushArgs, waitFor } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

describe('console: record on demand', () => {
  let t: TestServer;
  let browser: Browser;
  let ffmpeg: ChildProcess;
  let exited: Promise<unknown>;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer({ ADMIN_PASSWORD }), launchBrowser()]);
    ffmpeg = spawn('ffmpeg', ffmpegPushArgs(t.rtmpUrl('live', 'ondemand'), { seconds: 90, gop: 15 }), {
      stdio: 'ignore',
    });
    exited = new Promise((resolve) => ffmpeg.once('exit', resolve));
  });
  afterAll(async () => {
    ffmpeg?.kill('SIGKILL');
    await exited;
    await browser?.close();
    await t?.close();
  });

  it('records a live stream from its card and lists the task with its file', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/live');
    try {
      const card = page.getByRole('listitem', { name: 'live/ondemand' });
      await card.waitFor({ timeout: 20_000 });
      await card.getByRole('button', { name: 'Record live/ondemand' }).click();
      await card.getByRole('status').filter({ hasText: 'Recording (task' }).waitFor();
      // Some media into the task's files before it is stopped.
      await waitFor(
        async () => {
          const res = await fetch(t.httpUrl('/api/v1/recordings?status=all&stream=ondemand'));
          const rows = ((await res.json()) as { recordings: Array<{ taskId: string | null }> }).recordings;
          return rows.some((r) => r.taskId !== null) ? true : undefined;
        },
        20_000,
        'the task to open its files',
      );
      await expectControlsLabelled(page);
      await card.getByRole('button', { name: 'Stop recording live/ondemand' }).click();
      await card.getByRole('status').filter({ hasText: 'Stopped (task' }).waitFor();

      await page.getByRole('link', { name: 'Tasks' }).click();
      await page.getByRole('heading', { name: 'Tasks' }).waitFor();
      const row = page.locator('tr', { hasText: 'live/ondemand' });
      await expect.poll(() => row.textContent()).toContain('stopped');
      await row.getByRole('button', { name: /^Show the files of task/ }).click();
      const files = row.getByRole('list', { name: /^Files of task/ });
      await expect
        .poll(async () => (await files.getByRole('link').allTextContents()).sort().join(' '))
        .toMatch(/^HLS \S+ MP4 \S+$/);
      await expectControlsLabelled(page);
      await screenshot(page, 'console-tasks-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
