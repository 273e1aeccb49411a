/**
 * V8's heap settings for a long-running server.
 *
 * Old-generation growth. A streaming server allocates a lot of short-lived garbage and promotes little
 * (0.2–0.3 MB/s at 8 streams). V8 sizes the next old-generation limit from the ratio of its GC speed to the
 * old generation's allocation speed; with almost no old-generation allocation that ratio is huge and it picks
 * its smallest factor, 1.1: a 40 MB heap gets a limit only ~8 MB higher, which V8 then treats as "close to the
 * limit" at once and starts a full mark-compact of the whole heap every ~2 s (`--trace-gc
 * --trace-incremental-marking`: "Start (task)/(allocation limit) … 40MB / 49MB", "[HeapController] factor 1.1 …
 * mutator=0"). That was most of the ingest CPU. A fixed factor of 2 lets the heap grow to twice its live size
 * before the next full GC. See docs/decisions/0014-full-gcs.md.
 *
 * Young generation. Node 24's default lets each semi-space grow to 32 MB, and a server's start-up alone grows
 * it there: 64 MB of new space, all of it resident after a few scavenges, a third of the RSS of a server
 * recording 8 streams. Its size barely changes the CPU (what lives a GOP long is promoted either way), so
 * `serve` runs with `SEMI_SPACE_MB`. See docs/decisions/0023-recording-memory.md.
 *
 * C allocator. glibc gives each thread that allocates an arena of its own (up to 8 per core), and memory freed
 * into an arena stays resident for that arena's next use. V8's helper threads (marking, compiling) and the I/O
 * pool are ten threads here; with `MALLOC_ARENA_MAX=2` they share two arenas and a server recording 8 streams
 * peaks ~6 MB lower at the same CPU. glibc reads the variable when the process starts, so it rides on the same
 * restart. See docs/decisions/0026-rss-idle-and-peak.md.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;
export const SEMI_SPACE_MB = 8;
export const MALLOC_ARENAS = 2;
const GROWTH_FLAG = /--heap[-_]growing[-_]percent\b/;
const SEMI_SPACE_FLAG = /--max[-_]semi[-_]space[-_]size\b/;

function operatorSet(flag: RegExp, execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return execArgv.some((arg) => flag.test(arg)) || flag.test(nodeOptions ?? '');
}

/** True unless the operator chose a growth factor of their own (node flag or NODE_OPTIONS). */
export function shouldSetHeapGrowth(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return !operatorSet(GROWTH_FLAG, execArgv, nodeOptions);
}

/** Sets the factor for this process; V8 reads it at every limit computation, so setting it late is enough. */
export function tuneHeapGrowth(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS): void {
  if (shouldSetHeapGrowth(execArgv, nodeOptions))
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}

/** The node flags the server must be started with and was not (none when the operator gave their own). */
export function missingStartFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  return operatorSet(SEMI_SPACE_FLAG, execArgv, nodeOptions)
    ? []
    : [`--max-semi-space-size=${SEMI_SPACE_MB}`];
}

/** The environment variables the server must be started with and was not (none the operator set is changed). */
export function missingStartEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return env.MALLOC_ARENA_MAX === undefined ? { MALLOC_ARENA_MAX: String(MALLOC_ARENAS) } : {};
}

/**
 * V8 sizes the young generation, and glibc its arenas, when the process starts (`setFlagsFromString` later
 * has no effect), so the server replaces its own process image with node started with the missing flags and
 * environment: same pid, same open descriptors, same arguments. Returns only when there was nothing to do or
 * `process.execve` is not there.
 */
export function restartWithStartFlags(
  execArgv = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const flags = missingStartFlags(execArgv, env.NODE_OPTIONS);
  const added = missingStartEnv(env);
  if ((flags.length === 0 && Object.keys(added).length === 0) || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...flags, ...execArgv, ...process.argv.slice(1)], {
    ...env,
    ...added,
  });
}
