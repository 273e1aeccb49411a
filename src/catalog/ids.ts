/**
 * Recording file ids: 19-digit decimal strings like Tencent's `file_id` (which clients store as int64).
 * Layout: 13 digits of wall-clock milliseconds, then a 6-digit sequence. Every new millisecond starts the
 * sequence at a random offset, so two processes (or a process and its restarted self) opening a file in
 * the same millisecond collide only if their random offsets meet, about 1 in 500,000; within a process
 * the sequence then counts up, so ids are strictly increasing even if the clock stalls or steps back.
 * Fixed width makes text order equal numeric order: the catalog sorts and pages on the text column.
 */
import { randomInt } from 'node:crypto';

const TIME_DIGITS = 13;
const SEQUENCE_DIGITS = 6;
const SEQUENCE_SPAN = 10 ** SEQUENCE_DIGITS;
/** Random starts stay below this, so at least half the span is left for ids in the same millisecond. */
const RANDOM_START_SPAN = SEQUENCE_SPAN / 2;

export interface FileIdSource {
  /** Wall clock in ms since the epoch. */
  now(): number;
  /** A uniformly random integer in `[0, max)`. */
  randomBelow(max: number): number;
}

const systemSource: FileIdSource = { now: Date.now, randomBelow: (max) => randomInt(max) };

/** A generator with its own monotonic state; `newFileId` is the process-wide one. */
export function createFileIdGenerator(source: FileIdSource = systemSource): () => string {
  let millis = 0;
  let sequence = 0;
  return () => {
    const now = source.now();
    if (now > millis) {
      millis = now;
      sequence = source.randomBelow(RANDOM_START_SPAN);
    } else if (++sequence === SEQUENCE_SPAN) {
      // A million ids in one millisecond: borrow the next one rather than repeat or reorder.
      millis += 1;
      sequence = source.randomBelow(RANDOM_START_SPAN);
    }
    return String(millis).padStart(TIME_DIGITS, '0') + String(sequence).padStart(SEQUENCE_DIGITS, '0');
  };
}

/** A new unique, time-ordered recording file id, e.g. `1750000000123042917`. */
export const newFileId: () => string = createFileIdGenerator();
