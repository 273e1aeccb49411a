/**
 * CPU time and memory of a server process and its children (nginx runs a master and a worker), read
 * from /proc so the figures are the kernel's own and the load generator's work is not mixed in.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcSample {
  /** user + system CPU seconds of the process tree so far. */
  cpuSeconds: number;
  /** The kernel's part of `cpuSeconds` (socket and file I/O). */
  systemSeconds: number;
  /** CPU of the processes' main threads: for Node the JavaScript, as opposed to GC helpers and the I/O pool. */
  mainThreadSeconds: number;
  /** Sum of the processes' current resident set, bytes. */
  rssBytes: number;
  /** Sum of the processes' peak resident set (VmHWM), bytes. */
  peakRssBytes: number;
}

const CLOCK_TICKS_PER_SECOND =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface StatFields {
  ppid: number;
  userTicks: number;
  systemTicks: number;
}

/**
 * /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat for one thread): the command name may hold spaces and
 * parentheses, so fields are counted after the last ')'.
 */
function readStat(path: string): StatFields | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return undefined; // exited between listing and reading
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid(4) … utime(14) stime(15), numbered as in proc(5).
  return { ppid: Number(fields[1]), userTicks: Number(fields[11]), systemTicks: Number(fields[12]) };
}

function readStatusKb(pid: number, key: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  try {
    const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'latin1'),
    );
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The process and all its descendants (this kernel has no /proc/<pid>/task/<tid>/children). */
function processTree(rootPid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(`/proc/${pid}/stat`);
    if (stat) parentOf.set(pid, stat.ppid);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

export function sampleProcessTree(rootPid: number): ProcSample {
  let userTicks = 0;
  let systemTicks = 0;
  let mainTicks = 0;
  let rssKb = 0;
  let peakKb = 0;
  for (const pid of processTree(rootPid)) {
    const stat = readStat(`/proc/${pid}/stat`);
    userTicks += stat?.userTicks ?? 0;
    systemTicks += stat?.systemTicks ?? 0;
    const main = readStat(`/proc/${pid}/task/${pid}/stat`);
    mainTicks += main ? main.userTicks + main.systemTicks : 0;
    rssKb += readStatusKb(pid, 'VmRSS');
    peakKb += readStatusKb(pid, 'VmHWM');
  }
  return {
    cpuSeconds: (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND,
    systemSeconds: systemTicks / CLOCK_TICKS_PER_SECOND,
    mainThreadSeconds: mainTicks / CLOCK_TICKS_PER_SECOND,
    rssBytes: rssKb * 1024,
    peakRssBytes: peakKb * 1024,
  };
}

/** Resident memory by kind: what the processes allocated, and the pages of files they map. */
export interface ResidentSplit {
  /** Anonymous pages: the V8 heap, buffers, the C allocator, thread stacks. */
  anonBytes: number;
  /** File-backed pages: mostly the executable's own code (for node ~50 MB, shared with every node process). */
  fileBytes: number;
}

/**
 * Follows a process tree's resident set and keeps its split at the moment the total was highest. VmHWM gives
 * the peak but not what it was made of, and a third of a Node server's is the `node` binary's code, which the
 * kernel counts as resident but which no allocation of ours can change. The tree is taken once, at the start.
 */
export class ResidentPeakSampler {
  private readonly pids: number[];
  private peak: ResidentSplit = { anonBytes: 0, fileBytes: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(rootPid: number, intervalMs = 250) {
    this.pids = processTree(rootPid);
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes a last sample and stops; the split at the highest total seen. */
  stop(): ResidentSplit {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    let anonKb = 0;
    let fileKb = 0;
    for (const pid of this.pids) {
      anonKb += readStatusKb(pid, 'RssAnon');
      fileKb += readStatusKb(pid, 'RssFile');
    }
    if ((anonKb + fileKb) * 1024 > this.peak.anonBytes + this.peak.fileBytes)
      this.peak = { anonBytes: anonKb * 1024, fileBytes: fileKb * 1024 };
  }
}

/** CPU seconds (user + system) this process has used so far: the pushers and players. */
export function selfCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
