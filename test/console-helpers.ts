/// <reference lib="dom" />
/**
 * What the console browser tests share: a logged-in page per viewport, playback checks on a `<video>`,
 * and waiting for the server to finish recordings.
 */
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { collectPageErrors, newContext, type ViewportName } from './helpers/browser.js';
import { waitFor } from './helpers/process.js';
import type { TestServer } from './helpers/server.js';

export const ADMIN_PASSWORD = 'test-admin-pass';

export interface ConsolePage {
  page: Page;
  /** Uncaught errors and console errors of the page; a test ends by expecting none. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Opens `path` in a fresh browser context, which shows the login view; logs in and expects to land on
 * the page asked for.
 */
export async function openLoggedIn(
  browser: Browser,
  t: TestServer,
  path: string,
  viewport: ViewportName = 'desktop',
): Promise<ConsolePage> {
  const context = await newContext(browser, viewport);
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(t.httpUrl(path));
  await logIn(page);
  await page.waitForURL((url) => `${url.pathname}${url.search}` === path);
  return { page, errors, close: () => context.close() };
}

export async function logIn(page: Page, password = ADMIN_PASSWORD): Promise<void> {
  await page.getByLabel('Admin password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

/** Every form control on the page has an accessible name (a `<label>`, or aria-label for icon-like ones). */
export async function expectControlsLabelled(page: Page): Promise<void> {
  const unlabelled = await page.$$eval('input, select, textarea', (controls) =>
    controls
      .filter((c) => (c as HTMLInputElement).labels?.length === 0 && !c.getAttribute('aria-label'))
      .map((c) => c.outerHTML.slice(0, 120)),
  );
  expect(unlabelled).toEqual([]);
}

/** The server has closed and cataloged every recording file (pushes ended, files finalized). */
export async function recordingsSettled(t: TestServer): Promise<void> {
  await waitFor(
    () => (t.server.hub.list().length === 0 && t.server.recordings.activeCount === 0 ? true : undefined),
    30_000,
    'pushes to end and recordings to be finished',
  );
}

/**
 * Seeks the video to the middle of its duration and expects the seek to complete and playback to go on
 * from there.
 */
export async function expectSeekToMiddlePlays(page: Page, selector: string): Promise<void> {
  const target = await page.$eval(selector, (element) => {
    const video = element as HTMLVideoElement;
    const middle = video.duration / 2;
    (video as HTMLVideoElement & { seekedTo?: number }).seekedTo = undefined;
    video.addEventListener(
      'seeked',
      () => {
        (video as HTMLVideoElement & { seekedTo?: number }).seekedTo = video.currentTime;
      },
      { once: true },
    );
    video.currentTime = middle;
    return middle;
  });
  expect(target).toBeGreaterThan(1);
  await page.waitForFunction(
    ({ selector, target }) => {
      const video = document.querySelector(selector) as (HTMLVideoElement & { seekedTo?: number }) | null;
      return (
        video !== null &&
        video.seekedTo !== undefined &&
        Math.abs(video.seekedTo - target) < 1.5 &&
        video.currentTime > video.seekedTo + 0.5 &&
        !video.paused
      );
    },
    { selector, target },
    { timeout: 15_000, polling: 100 },
  );
}
