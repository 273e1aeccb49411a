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
      // The card's format badges show what the task records (the push itself asks for nothing).
      await card
        .getByRole('list', { name: 'Formats being recorded' })
        .getByText('HLS', { exact: true })
        .waitFor({ timeout: 20_000 });
      await expectControlsLabelled(page);
      await card.getByRole('button', { name: 'Stop recording live/ondemand' }).click();
      await card.getByRole('status').filter({ hasText: 'Stopped (task' }).waitFor();
      await card.getByText('not recorded').waitFor({ timeout: 20_000 });

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

  it('adds a recording template and rule, and bans and lifts a stream, in Settings', async () => {
    const { page, errors, close } = await openLoggedIn(browser, t, '/console/settings');
    try {
      const rules = page.getByRole('region', { name: 'Recording rules' });
      await rules.getByLabel('Template name').fill('cams');
      await rules.getByLabel('FLV').check();
      await rules.getByRole('button', { name: 'Add template' }).click();
      await rules
        .getByRole('list', { name: 'Recording templates' })
        .getByText('cams', { exact: true })
        .waitFor();
      await rules.getByLabel('Stream name (empty: every stream)').fill('cam');
      await rules.getByRole('button', { name: 'Add rule' }).click();
      await rules.getByRole('list', { name: 'Recording rules' }).getByText('live/cam* → cams').waitFor();
      const api = (await (await fetch(t.httpUrl('/api/v1/record-rules'))).json()) as { rules: unknown[] };
      expect(api.rules).toEqual([
        expect.objectContaining({ app: 'live', stream: 'cam', streamPrefix: true }),
      ]);

      const bans = page.getByRole('region', { name: 'Banned streams' });
      await bans.getByLabel('Stream name').fill('spammer');
      await bans.getByLabel('Reason').fill('spam');
      await bans.getByRole('button', { name: 'Ban' }).click();
      await bans
        .getByRole('list', { name: 'Banned streams' })
        .getByText('spammer', { exact: true })
        .waitFor();
      await bans.getByRole('button', { name: 'Lift the ban of spammer' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Lift' }).click();
      await expect.poll(() => bans.getByRole('list', { name: 'Banned streams' }).textContent()).toBe('');
      await expectControlsLabelled(page);
      await screenshot(page, 'console-settings-rules-desktop');
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
