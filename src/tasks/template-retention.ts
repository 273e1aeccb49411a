/**
 * Per-template retention: a file recorded under a template (by a rule or a task) is deleted once the
 * template's storage time for its format has passed since it ended (`StorageTime`, 0 = keep). Runs beside
 * the global retention sweeper, which still applies to every file.
 */
import type { RecordTaskRepository } from '../catalog/record-tasks.js';
import type { Logger } from '../log.js';
import { RECORD_FORMATS } from '../record/plan.js';
import type { RecordingRemover } from '../retention/remove-recording.js';
import type { RecordRuleBook } from './record-rules.js';

export interface TemplateRetentionOptions {
  readonly files: Pick<RecordTaskRepository, 'expiredOfTemplate'>;
  readonly rules: Pick<RecordRuleBook, 'templates'>;
  readonly remover: Pick<RecordingRemover, 'remove'>;
  readonly log: Logger;
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const DEFAULT_INTERVAL_MS = 5 * 60_000;
/** Files removed per template and format per look; the next look goes on. */
const BATCH = 200;

export class TemplateRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: TemplateRetentionOptions) {
    this.log = options.log.child({ component: 'template-retention' });
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.timer.unref();
  }

  /** One pass; resolves with the number of files removed. A call while one runs gets that one. */
  sweep(): Promise<number> {
    this.running ??= this.run()
      .catch((err: unknown) => {
        this.log.error({ err }, 'template retention failed; retrying at the next interval');
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async run(): Promise<number> {
    const now = (this.options.now ?? Date.now)();
    let removed = 0;
    for (const template of this.options.rules.templates()) {
      for (const format of RECORD_FORMATS) {
        const storageSec = template.formats[format]?.storageTimeSec ?? 0;
        if (storageSec <= 0) continue;
        const expired = await this.options.files.expiredOfTemplate(
          template.id,
          format,
          now - storageSec * 1000,
          BATCH,
        );
        for (const row of expired) {
          await this.options.remover.remove(row, 'age');
          removed++;
        }
      }
    }
    if (removed > 0) this.log.info({ removed }, 'removed files past their template storage time');
    return removed;
  }
}
