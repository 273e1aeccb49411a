/** Plain-text output of the benchmarks: Markdown tables that paste straight into docs/benchmarks.md. */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg, cpus as osCpus } from 'node:os';
import { join } from 'node:path';
import { CACHE_DIR } from './paths.js';
import type { ScenarioResult } from './scenario.js';

export function markdownTable(headers: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
export const fixed = (n: number, digits = 2) => n.toFixed(digits);
const percent = (share: number) => `${Math.round(share * 100)} %`;

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const RESULT_HEADERS = [
  'scenario',
  'streams',
  's',
  'server CPU-s / stream-min',
  'server CPU-s (kernel, main thread)',
  'peak RSS MiB',
  'of it file-backed MiB',
  'RSS MiB / stream',
  'client CPU-s',
  'video frames sent',
  'delivered',
  'frame loss',
  'max push lag ms',
  'max probe ms',
];

export function resultTable(results: ScenarioResult[]): string {
  return markdownTable(
    RESULT_HEADERS,
    results.map((r) => [
      r.label,
      r.streams,
      r.seconds,
      fixed(r.cpuPerStreamMinute, 3),
      `${fixed(r.serverCpuSeconds, 1)} (${percent(r.serverSystemShare)}, ${percent(r.serverMainThreadShare)})`,
      mib(r.peakRssBytes),
      mib(r.peakRssFileBytes),
      fixed(r.rssPerStreamBytes / 1024 / 1024, 2),
      fixed(r.clientCpuSeconds, 1),
      r.videoFramesSent,
      r.deliveredBy === 'none' ? '–' : `${r.videoFramesDelivered} (${r.deliveredBy})`,
      r.deliveredBy === 'none' ? '–' : r.frameLoss,
      Math.round(r.maxPusherLagMs),
      Math.round(r.maxProbeMs),
    ]),
  );
}

/** Failures seen during runs, a few per run, so a broken run is never read as a figure. */
export function failureLines(results: ScenarioResult[]): string[] {
  return results.flatMap((r) =>
    r.failures.length === 0
      ? []
      : [`${r.label}: ${r.failures.length} failure(s): ${r.failures.slice(0, 3).join('; ')}`],
  );
}

/** Keeps the raw figures of a run under bench/.cache/results for later comparison. */
export async function saveResults(name: string, data: unknown): Promise<string> {
  const dir = join(CACHE_DIR, 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replaceAll(':', '-')}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** What the figures were measured on; the load average tells how much else the machine was doing. */
export function machineDescription(): string {
  const cpus = osCpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${load}`;
}

/** Medians across rounds for the measured figures; frame loss and lag are the worst round's, failures all of them. */
export function medianResult(rounds: ScenarioResult[]): ScenarioResult {
  const of = (pick: (r: ScenarioResult) => number) => median(rounds.map(pick));
  return {
    ...rounds[0]!,
    serverCpuSeconds: of((r) => r.serverCpuSeconds),
    serverSystemShare: of((r) => r.serverSystemShare),
    serverMainThreadShare: of((r) => r.serverMainThreadShare),
    cpuPerStreamMinute: of((r) => r.cpuPerStreamMinute),
    baselineRssBytes: of((r) => r.baselineRssBytes),
    peakRssBytes: of((r) => r.peakRssBytes),
    peakRssAnonBytes: of((r) => r.peakRssAnonBytes),
    peakRssFileBytes: of((r) => r.peakRssFileBytes),
    rssPerStreamBytes: of((r) => r.rssPerStreamBytes),
    clientCpuSeconds: of((r) => r.clientCpuSeconds),
    videoFramesSent: of((r) => r.videoFramesSent),
    videoFramesDelivered: of((r) => r.videoFramesDelivered),
    frameLoss: Math.max(...rounds.map((r) => r.frameLoss)),
    maxPusherLagMs: Math.max(...rounds.map((r) => r.maxPusherLagMs)),
    maxProbeMs: Math.max(...rounds.map((r) => r.maxProbeMs)),
    failures: rounds.flatMap((r) => r.failures),
  };
}
