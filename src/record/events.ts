/**
 * What the recorder tells the rest of LiveTape about its files. The recorder never writes the catalog
 * itself: a cataloger (catalog/recording-cataloger.ts) turns these into rows and outbox rows, the same
 * way for files of a running push and for files crash recovery finished.
 */

import type { SplitReason } from './file-splitter.js';
import type { RecordFormat } from './plan.js';

/** A file (or HLS folder) now exists in storage; the facts known when it was created. */
export interface FileOpenedEvent {
  readonly id: string;
  readonly app: string;
  readonly stream: string;
  readonly format: RecordFormat;
  /** Its key in storage (the playlist for HLS). */
  readonly storageKey: string;
  /** Wall clock, ms since the epoch. */
  readonly startTime: number;
  readonly sessionId: string;
  readonly broadcastId: string;
  /** The record task this file is for, if any. */
  readonly taskId?: string;
  /** The recording template (of a rule or a task) the file is made under. */
  readonly templateId?: number;
  readonly streamParam: string;
  readonly mediaStartMs: number;
  readonly width?: number;
  readonly height?: number;
  readonly videoCodec?: string;
  readonly audioCodec?: string;
}

/** Why a kept file was closed; `failed`: it could be neither finalized nor repaired (see `error`). */
export type CloseReason = SplitReason | 'failed';

/** A file is final: kept with its facts, or removed because it held no media. */
export type FileClosedEvent =
  | { readonly id: string; readonly kept: false }
  | {
      readonly id: string;
      readonly kept: true;
      readonly endTime: number;
      readonly sizeBytes: number;
      readonly durationMs: number;
      readonly reason: CloseReason;
      /** With reason `failed`: why. */
      readonly error?: string;
      readonly warnings?: readonly string[];
      readonly width?: number;
      readonly height?: number;
      readonly videoCodec?: string;
      readonly audioCodec?: string;
    };

export interface RecordingEvents {
  /** Resolves once the file is known; rejects when it cannot be (the file is then given up). */
  fileOpened(event: FileOpenedEvent): Promise<void>;
  /** Resolves once the file's final facts are stored. */
  fileClosed(event: FileClosedEvent): Promise<void>;
}
