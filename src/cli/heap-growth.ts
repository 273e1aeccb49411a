/**
 * V8's old-generation growth for a long-running server.
 *
 * A streaming server allocates a lot of short-lived garbage and promotes little (0.2–0.3 MB/s at 8 streams).
 * V8 sizes the next old-generation limit from the ratio of its GC speed to the old generation's allocation
 * speed; with almost no old-generation allocation that ratio is huge and it picks its smallest factor, 1.1:
 * a 40 MB heap gets a limit only ~8 MB higher, which V8 then treats as "close to the limit" at once and starts
 * a full mark-compact of the whole heap every ~2 s (`--trace-gc --trace-incremental-marking`:
 * "Start (task)/(allocation limit) … 40MB / 49MB", "[HeapController] factor 1.1 … mutator=0"). That was most
 * of the ingest CPU. A fixed factor of 2 lets the heap grow to twice its live size before the next full GC.
 * See docs/benchmarks.md and docs/decisions/0014-full-gcs.md.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;
const FLAG = /--heap[-_]growing[-_]percent\b/;

/** True unless the operator chose a growth factor of their own (node flag or NODE_OPTIONS). */
export function shouldSetHeapGrowth(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return !execArgv.some((arg) => FLAG.test(arg)) && !FLAG.test(nodeOptions ?? '');
}

/** Sets the factor for this process; V8 reads it at every limit computation, so setting it late is enough. */
export function tuneHeapGrowth(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS): void {
  if (shouldSetHeapGrowth(execArgv, nodeOptions))
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
