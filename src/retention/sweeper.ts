/**
 * Retention: a background sweep, at start and then every few minutes, deletes finished recordings that
 * ended more than RETENTION_DAYS ago, then the oldest ones while all files together exceed
 * RETENTION_MAX_GB. A file still being written is never touched (it has no end time yet).
 */
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Logger } from '../log.js';
import type { DeletionCause, Metrics } from '../metrics.js';
import type { RecordingRemover } from './remove-recording.js';

export interface RetentionPolicy {
  /** Delete files that ended more than this many days ago; 0 keeps them forever. */
  readonly maxAgeDays: number;
  /** Delete the oldest files while the total is above this many bytes; 0 means no limit. */
  readonly maxBytes: number;
}

export interface SweeperOptions {
  readonly catalog: Catalog;
  readonly remover: RecordingRemover;
  readonly log: Logger;
  readonly metrics?: Metrics;
  /** The policy at start; `setPolicy` changes it. */
  readonly policy: RetentionPolicy;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

export interface SweepResult {
  deletedByAge: number;
  deletedBySize: number;
  freedBytes: number;
  /** Files that could not be removed (storage errors); they stay cataloged and are retried next sweep. */
  failed: number;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** Refused publishes are kept this long whatever the retention (see docs/security.md). */
const REFUSED_PUSH_KEEP_MS = 7 * DAY_MS;
/** Rows fetched per catalog round trip. */
const BATCH = 500;

/** RETENTION_MAX_GB counts decimal gigabytes, like disk vendors and `df -H`. */
export function retentionPolicy(config: { retentionDays: number; retentionMaxGb: number }): RetentionPolicy {
  return { maxAgeDays: config.retentionDays, maxBytes: Math.round(config.retentionMaxGb * 1e9) };
}

export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;
  private closed = false;
  private policy: RetentionPolicy;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly options: SweeperOptions) {
    this.policy = options.policy;
    this.now = options.now ?? Date.now;
    this.log = options.log.child({ component: 'retention' });
  }

  get enabled(): boolean {
    return this.policy.maxAgeDays > 0 || this.policy.maxBytes > 0;
  }

  /** Sweeps now and then every interval, in the background; does nothing when no rule is set. */
  start(): void {
    if (!this.enabled || this.closed) return;
    clearInterval(this.timer);
    const { maxAgeDays, maxBytes } = this.policy;
    const intervalMs = this.options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.log.info({ maxAgeDays, maxBytes, intervalMs }, 'retention on');
    const sweepLogged = () => {
      this.sweep().catch((err: unknown) =>
        this.log.error({ err }, 'retention sweep failed; retrying at the next interval'),
      );
    };
    sweepLogged();
    this.timer = setInterval(sweepLogged, intervalMs);
    this.timer.unref();
  }

  /**
   * A new policy (changed through the API) applies at once: a sweep under it starts now (or as soon as
   * one already running ends), then one every interval; with no rule left the sweeper stops.
   */
  setPolicy(policy: RetentionPolicy): void {
    this.policy = policy;
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.enabled) {
      this.log.info('retention off');
      return;
    }
    const restart = () => this.start();
    if (this.running) void this.running.then(restart, restart);
    else restart();
  }

  /** One sweep; a call while one runs gets that one's result. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.runSweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the timer and lets a running sweep end after its current file. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  private async runSweep(): Promise<SweepResult> {
    const started = this.now();
    const result: SweepResult = { deletedByAge: 0, deletedBySize: 0, freedBytes: 0, failed: 0 };
    const { maxAgeDays, maxBytes } = this.policy;
    if (maxAgeDays > 0) await this.sweepByAge(started - maxAgeDays * DAY_MS, result);
    if (maxBytes > 0) await this.sweepBySize(maxBytes, result);
    // The push log goes with the recordings; refused pushes (anyone can cause them) after a week anyway.
    const prunedPushes = await this.options.catalog.pushes.prune({
      endedBefore: maxAgeDays > 0 ? started - maxAgeDays * DAY_MS : undefined,
      rejectedBefore: started - REFUSED_PUSH_KEEP_MS,
    });
    if (prunedPushes > 0)
      this.log.info({ prunedPushes }, 'retention sweep: old pushes deleted from the catalog');
    this.options.metrics?.retentionSwept();
    const summary = { ...result, ms: this.now() - started };
    if (result.deletedByAge + result.deletedBySize + result.failed > 0)
      this.log.info(summary, 'retention sweep');
    else this.log.debug(summary, 'retention sweep: nothing to delete');
    return result;
  }

  private async sweepByAge(endedBefore: number, result: SweepResult): Promise<void> {
    for await (const row of this.oldestFinished(endedBefore)) {
      if (await this.tryRemove(row, 'age', result)) result.deletedByAge++;
    }
  }

  private async sweepBySize(maxBytes: number, result: SweepResult): Promise<void> {
    let total = await this.options.catalog.recordings.totalBytes();
    if (total <= maxBytes) return;
    for await (const row of this.oldestFinished(undefined)) {
      if (await this.tryRemove(row, 'size', result)) {
        result.deletedBySize++;
        total -= row.sizeBytes;
        if (total <= maxBytes) return;
      }
    }
    if (!this.closed) {
      this.log.warn(
        { totalBytes: total, maxBytes },
        'retention: still over RETENTION_MAX_GB after deleting every finished file it could',
      );
    }
  }

  /** Finished rows, earliest end first, in batches; stops early when the sweeper is closed. */
  private async *oldestFinished(endedBefore: number | undefined): AsyncGenerator<RecordingRow> {
    let after: { endTime: number; id: string } | undefined;
    while (!this.closed) {
      const rows = await this.options.catalog.recordings.oldestFinished({ endedBefore, after, limit: BATCH });
      for (const row of rows) {
        if (this.closed) return;
        yield row;
      }
      if (rows.length < BATCH) return;
      const last = rows[rows.length - 1]!;
      after = { endTime: last.endTime!, id: last.id };
    }
  }

  private async tryRemove(row: RecordingRow, cause: DeletionCause, result: SweepResult): Promise<boolean> {
    try {
      await this.options.remover.remove(row, cause);
      result.freedBytes += row.sizeBytes;
      return true;
    } catch (err) {
      result.failed++;
      this.log.warn(
        { err, id: row.id, key: row.storageKey },
        'retention could not delete a recording; retrying next sweep',
      );
      return false;
    }
  }
}
