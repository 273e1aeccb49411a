/**
 * The browser tests load the built pages from dist/web, as `npm start` serves them. `npm ci` builds
 * them; a developer who changed web/ since gets a fresh build here rather than testing a stale one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKIP_LOG_ENV } from './helpers/needs.js';

const BUILT_PAGE = join('dist', 'web', 'console.html');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Suites skipped for want of something on this machine, printed after the run (see helpers/needs.ts). */
function reportSkippedSuites(dir: string): void {
  const file = join(dir, 'skipped');
  const lines = existsSync(file) ? [...new Set(readFileSync(file, 'utf8').trim().split('\n'))] : [];
  for (const line of lines) {
    const [id, why] = line.split('\t');
    console.warn(`\x1b[33mSKIPPED SUITE\x1b[0m ${why} (in CI this fails unless LIVETAPE_ALLOW_SKIP=${id})`);
  }
  rmSync(dir, { recursive: true, force: true });
}

export default function setup(): () => void {
  const skipLog = mkdtempSync(join(tmpdir(), 'livetape-skips-'));
  process.env[SKIP_LOG_ENV] = skipLog;
  buildPagesIfStale();
  return () => reportSkippedSuites(skipLog);
}

function buildPagesIfStale(): void {
  const stale =
    !existsSync(BUILT_PAGE) ||
    Math.max(newestMtime('web'), statSync('vite.config.ts').mtimeMs) > statSync(BUILT_PAGE).mtimeMs;
  if (!stale) return;
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  // Tests that do not load pages can still run; the page tests then fail on the missing build.
  if (build.status !== 0)
    console.error('vite build failed: the console, player and watch page tests will fail');
}
