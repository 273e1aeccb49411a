/** Small helpers shared by the benchmark command lines. */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { topSelfTimes } from './cpu-profile.js';
import { markdownTable } from './report.js';

export function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number ≥ 1, got "${value}"`);
  return n;
}

/** A scratch folder under the system temp dir; recordings can take gigabytes, so it is removed unless kept. */
export async function withWorkDir<T>(keep: boolean, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'livetape-bench-'));
  try {
    return await work(dir);
  } finally {
    if (keep) process.stderr.write(`kept ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
  }
}

let runs = 0;

/** A fresh folder inside the work dir for one server run. */
export async function runDir(workDir: string): Promise<string> {
  const dir = join(workDir, `run-${++runs}`);
  await mkdir(dir);
  return dir;
}

/**
 * Main-thread profiles, one per server process: Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>
 * (thread 0 is the main thread, the others are tsx's module loader). The server replaces its own image at
 * start (`restartWithStartFlags`, same pid), and the image it replaced writes a profile of its start-up
 * only; the newest file of a pid is the one that covers the pushes.
 */
export async function mainThreadProfiles(dir: string): Promise<string[]> {
  const newestOfPid = new Map<string, { file: string; mtimeMs: number }>();
  for (const file of await readdir(dir, { recursive: true })) {
    const match = /\.(\d+)\.0\.\d+\.cpuprofile$/.exec(file);
    if (!match) continue;
    const key = `${dirname(file)}/${match[1]}`;
    const { mtimeMs } = await stat(join(dir, file));
    const known = newestOfPid.get(key);
    if (!known || mtimeMs >= known.mtimeMs) newestOfPid.set(key, { file, mtimeMs });
  }
  return [...newestOfPid.values()].map((p) => p.file).sort();
}

/** Prints the top self-time functions of the main-thread profiles under `dir` (one subfolder per scenario). */
export async function printProfiles(dir: string): Promise<void> {
  for (const file of await mainThreadProfiles(dir)) {
    const top = await topSelfTimes(join(dir, file), 15);
    console.log(`\nTop self time (includes start-up), ${join(dir, file)}:\n`);
    console.log(
      markdownTable(
        ['function', 'self ms', 'share of busy time'],
        top.map((t) => [t.name, t.ms.toFixed(0), `${(t.share * 100).toFixed(1)} %`]),
      ),
    );
  }
}

/** Runs the command line's main function and exits with 1 on error (server children are stopped by then). */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
