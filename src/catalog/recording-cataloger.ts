import type { Logger } from '../log.js';
import type { FinishFacts, NewRecording, RecordingRow } from './recording-row.js';
import type { FinishExtra, RecordingRepository } from './recordings.js';

/** A file the recorder is done with: kept with its final facts, or removed (it held no media). */
export type ClosedFile = { readonly id: string } & (
  | { readonly kept: false }
  | ({ readonly kept: true } & FinishFacts)
);

/**
 * The one writer of recording rows: the recorder's file-opened and file-closed events (of live pushes
 * and of crash recovery alike) become a `recording` row, then the final row and its outbox rows in one
 * transaction (`onFinishing`, the notifier's callback). A `failed` file gets no callback: it is listed
 * by the API, not announced as a new recording.
 */
export class RecordingCataloger {
  /** Files cataloged since start, for tests and metrics. */
  filesCataloged = 0;

  constructor(
    private readonly recordings: RecordingRepository,
    private readonly log: Logger,
    private readonly onFinishing?: FinishExtra,
  ) {}

  fileOpened(file: NewRecording): Promise<void> {
    return this.recordings.insertOpen(file);
  }

  async fileClosed(file: ClosedFile): Promise<void> {
    if (!file.kept) {
      await this.recordings.delete(file.id);
      return;
    }
    const { id, kept: _, ...facts } = file;
    const row = await this.recordings.finish(
      id,
      facts,
      facts.reason === 'failed' ? undefined : this.onFinishing,
    );
    this.filesCataloged++;
    this.logFinished(row);
  }

  private logFinished(row: RecordingRow): void {
    this.log.info(
      {
        id: row.id,
        format: row.format,
        key: row.storageKey,
        durationMs: row.durationMs,
        size: row.sizeBytes,
        reason: row.reason,
        ...(row.error ? { error: row.error } : {}),
      },
      'recording file finished',
    );
  }
}
