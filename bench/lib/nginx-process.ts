import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run, waitFor } from '../../test/helpers/process.js';
import { ServerChild } from './server-child.js';

/** Installs Debian's `pkg` when `present()` says it is missing and we may (root). */
export async function ensureDebianPackage(
  pkg: string,
  present: () => Promise<boolean> | boolean,
): Promise<void> {
  if (await present()) return;
  if (process.getuid?.() !== 0) throw new Error(`${pkg} is missing: apt-get install ${pkg}`);
  process.stderr.write(`installing ${pkg}…\n`);
  const result = await run('apt-get', ['install', '-y', '--no-install-recommends', pkg], {
    timeoutMs: 300_000,
  });
  if (result.code !== 0 || !(await present()))
    throw new Error(`apt-get install ${pkg} failed:\n${result.stderr}`);
}

/** nginx in the foreground with `conf` written to `dir`, its prefix and error log there too. */
export async function spawnNginx(dir: string, conf: string): Promise<ServerChild> {
  const confFile = join(dir, 'nginx.conf');
  await writeFile(confFile, conf);
  return ServerChild.spawn('nginx', [
    '-p',
    dir,
    '-c',
    confFile,
    '-e',
    join(dir, 'error.log'),
    '-g',
    'daemon off;',
  ]);
}

/** Resolves once `probe` succeeds; fails at once, with its output, if nginx exits first. */
export function untilNginxAnswers(
  child: ServerChild,
  probe: () => Promise<unknown>,
  what: string,
): Promise<unknown> {
  return waitFor(
    async () => {
      if (!child.running) throw new Error(`nginx exited early:\n${child.output}`);
      return (
        (await probe().then(
          () => true,
          () => false,
        )) || undefined
      );
    },
    30_000,
    what,
  );
}
