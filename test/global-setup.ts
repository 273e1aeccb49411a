/**
 * The browser tests load the built pages from dist/web, as `npm start` serves them. `npm ci` builds
 * them; a developer who changed web/ since gets a fresh build here rather than testing a stale one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUILT_PAGE = join('dist', 'web', 'console.html');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export default function setup(): void {
  const stale =
    !existsSync(BUILT_PAGE) ||
    Math.max(newestMtime('web'), statSync('vite.config.ts').mtimeMs) > statSync(BUILT_PAGE).mtimeMs;
  if (!stale) return;
  const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  // Tests that do not load pages can still run; the page tests then fail on the missing build.
  if (build.status !== 0)
    console.error('vite build failed: the console, player and watch page tests will fail');
}
