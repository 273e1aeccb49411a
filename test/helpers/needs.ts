/**
 * A suite that cannot run on this machine (no mount permission, no PostgreSQL, no Chromium) must not
 * pass silently. Outside CI it is skipped and named in one line after the run's summary; in CI
 * (CI=true) it fails, unless LIVETAPE_ALLOW_SKIP lists its id (comma-separated, or `all`).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'vitest';

/** Set by test/global-setup.ts: the folder whose `skipped` file the summary line is printed from. */
export const SKIP_LOG_ENV = 'LIVETAPE_SKIP_LOG_DIR';

export const NO_POSTGRES =
  'PostgreSQL server binaries not found under /usr/lib/postgresql (install `postgresql`)';

export function skipAllowed(id: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.CI !== 'true' && env.CI !== '1') return true;
  const allowed = (env.LIVETAPE_ALLOW_SKIP ?? '').split(',').map((s) => s.trim());
  return allowed.includes(id) || allowed.includes('all');
}

/**
 * `describe(name, body)` when `problem` is undefined; otherwise a skipped suite recorded for the
 * summary, or (in CI without opt-out) a suite with one failing test that names the problem.
 */
export function describeIfAble(
  id: string,
  name: string,
  problem: string | undefined,
  body: () => void,
): void {
  if (problem === undefined) {
    describe(name, body);
    return;
  }
  const why = `${name}: ${problem}`;
  if (!skipAllowed(id)) {
    describe(name, () => {
      it(`cannot run: ${problem} (set LIVETAPE_ALLOW_SKIP=${id} to skip it in CI)`, () => {
        throw new Error(why);
      });
    });
    return;
  }
  noteSkipped(id, why);
  describe.skip(`${name} (SKIPPED: ${problem})`, body);
}

/** The same for one test (from its context, e.g. a catalog test's PostgreSQL half): skip loudly, or fail in CI. */
export function skipUnable(ctx: TestContext, id: string, problem: string): never {
  if (!skipAllowed(id))
    throw new Error(`cannot run: ${problem} (set LIVETAPE_ALLOW_SKIP=${id} to skip it in CI)`);
  noteSkipped(id, `${ctx.task.suite?.name ?? ctx.task.name}: ${problem}`);
  return ctx.skip(problem);
}

function noteSkipped(id: string, why: string): void {
  const dir = process.env[SKIP_LOG_ENV];
  if (dir !== undefined) appendFileSync(join(dir, 'skipped'), `${id}\t${why}\n`);
}
