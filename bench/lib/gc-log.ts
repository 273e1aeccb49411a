/** Reading node's `--trace-gc --trace-incremental-marking` output. */

const GC_LINE = /ms: (Scavenge|Mark-Compact(?: \(reduce\))?|Minor Mark-Sweep) .*\) ([^;]*?)(?:;|$)/;
const MARKING_START = /\[IncrementalMarking\] Start \(([^)]*)\)/;

/** Collections and marking starts in a `--trace-gc --trace-incremental-marking` log, by kind and reason. */
export function countGcReasons(log: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of log.split('\n')) {
    const gc = GC_LINE.exec(line);
    const start = MARKING_START.exec(line);
    const key = gc ? `${gc[1]}: ${gc[2]!.trim()}` : start ? `marking start: ${start[1]}` : undefined;
    if (key) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
