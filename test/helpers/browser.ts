/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Real headless Chromium (Debian's package) driven by playwright-core, for the console, player and
 * watch page tests. Screenshots land in test-artifacts/screenshots/ for a person to look at.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
export const SCREENSHOT_DIR = join(process.cwd(), 'test-artifacts', 'screenshots');

/** The flags the project's test policy prescribes: no sandbox (containers), no GPU, no network chatter. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  // Muted autoplay is allowed anyway; this also lets a test start playback with sound without a gesture.
  '--autoplay-policy=no-user-gesture-required',
];

export const chromiumPath = CHROMIUM_CANDIDATES.find((path) => existsSync(path));

export function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error('chromium is not installed (apt-get install chromium)');
  return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
}

export const VIEWPORTS = {
  desktop: { width: 1366, height: 860 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

export function newContext(browser: Browser, viewport: ViewportName = 'desktop'): Promise<BrowserContext> {
  return browser.newContext({
    viewport: VIEWPORTS[viewport],
    deviceScaleFactor: 1,
    isMobile: viewport === 'phone',
    hasTouch: viewport === 'phone',
  });
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.1 A and AA: labels, names, roles, keyboard reachability, contrast ≥ 4.5:1. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * The page's WCAG 2.1 A/AA violations as axe-core finds them, one line each (rule, impact, the first
 * offending elements). Evaluated through the DevTools protocol, so the pages' CSP does not block it.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (
      window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }
    ).axe;
    interface AxeResults {
      violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
    }
    const results = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return results.violations.map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((node) => node.target.join(' '))
          .join(', ')}`,
    );
  }, AXE_TAGS);
}

/**
 * Saves a full-page screenshot as test-artifacts/screenshots/{name}.png, then fails if the page is wider
 * than the viewport (on a phone, a page the reader has to scroll sideways) or breaks a WCAG 2.1 A/AA rule
 * axe-core can check.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return undefined;
    const tooWide = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > width + 1)
      .slice(0, 5)
      .map((element) => `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}`);
    return { scrollWidth: document.documentElement.scrollWidth, width, tooWide };
  });
  if (overflow) {
    throw new Error(
      `${name}: the page is ${overflow.scrollWidth}px wide in a ${overflow.width}px viewport (${overflow.tooWide.join(', ')})`,
    );
  }
  const violations = await accessibilityViolations(page);
  if (violations.length > 0) throw new Error(`${name}: accessibility violations:\n${violations.join('\n')}`);
  return path;
}

/** Resolves once the page's `<video>` (the first matching `selector`) has played past `seconds`. */
export async function waitForPlayback(page: Page, selector = 'video', seconds = 1, timeoutMs = 30_000) {
  await page.waitForFunction(
    ({ selector, seconds }) => {
      const video = document.querySelector<HTMLVideoElement>(selector);
      return video !== null && video.currentTime > seconds && !video.paused && video.readyState >= 2;
    },
    { selector, seconds },
    { timeout: timeoutMs, polling: 200 },
  );
}

/** Collects uncaught page errors and console errors, so a test can assert the page ran cleanly. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}
