import { type FastStartPlan, planFastStart } from '../container/mp4/faststart.js';
import { scanFragmentedMp4 } from '../container/mp4/fmp4-scan.js';
import { classicMovieDurationMs } from '../container/mp4/movie-read.js';
import { fastStartPartialKey } from '../storage/layout.js';
import { StorageError, type StorageTarget, storageErrorCode } from '../storage/target.js';

const COPY_CHUNK = 1 << 20;

export interface FinalizedMp4 {
  durationMs: number;
  sizeBytes: number;
  /** False when storage had no room for the rewrite: the file stays a (clean) fragmented MP4. */
  fastStart: boolean;
}

export class EmptyRecordingError extends Error {
  constructor(key: string) {
    super(`${key} holds no complete media sample`);
    this.name = 'EmptyRecordingError';
  }
}

/**
 * Rewrites a fragmented MP4 (as recorded) into a fast-start MP4 in place: scan its fragments, write
 * ftyp+moov+mdat to a sibling key, copy the samples across, sync, rename over the original. Until the
 * rename the fragmented original is untouched, so a crash at any point leaves a playable file and
 * running this again finishes the job. A file that is already fast-start is left as it is.
 */
export async function finalizeMp4(target: StorageTarget, key: string): Promise<FinalizedMp4> {
  const size = (await target.stat(key))?.sizeBytes;
  if (size === undefined) throw new StorageError('ENOENT', `no recording "${key}"`);
  const read = readerOf(target, key);
  const already = await classicMovieDurationMs(read, size);
  if (already !== undefined) return { durationMs: already, sizeBytes: size, fastStart: true };
  const scan = await scanFragmentedMp4(read, size);
  if (scan.tracks.every((t) => t.samples.count === 0)) throw new EmptyRecordingError(key);
  // A torn last fragment (crash, full disk) is cut off first: that needs no free space.
  if (scan.truncatedAt !== undefined) await target.truncate(key, scan.validEnd);
  const plan = planFastStart(scan);
  const partial = fastStartPartialKey(key);
  try {
    await writeFastStart(target, read, plan, partial);
  } catch (error) {
    if (!isOutOfSpace(error)) throw error;
    return { durationMs: plan.durationMs, sizeBytes: scan.validEnd, fastStart: false };
  }
  await target.rename(partial, key);
  const sizeBytes = plan.head.length + plan.copy.reduce((n, r) => n + r.length, 0);
  return { durationMs: plan.durationMs, sizeBytes, fastStart: true };
}

export function isOutOfSpace(error: unknown): boolean {
  const code = storageErrorCode(error);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Reads of `key` as the MP4 readers want them: `length` bytes at `offset`, fewer only at the end;
 * into `into` when given (see `StorageTarget.read`).
 */
function readerOf(target: StorageTarget, key: string): CopyRead {
  return (offset, length, into) => target.read(key, offset, offset + length, into);
}

type CopyRead = (offset: number, length: number, into?: Buffer) => Promise<Buffer>;

async function writeFastStart(
  target: StorageTarget,
  read: CopyRead,
  plan: FastStartPlan,
  partial: string,
): Promise<void> {
  await target.remove(partial); // a stray from a crash during an earlier attempt
  const out = await target.create(partial);
  // One buffer for the whole copy: a fresh one per chunk made the file's size in garbage, and eight
  // recordings closing together added ~50 MB to the server's peak RSS before a GC returned it.
  const chunkBuffer = Buffer.allocUnsafe(COPY_CHUNK);
  try {
    await out.append([plan.head]);
    for (const range of plan.copy) {
      for (let done = 0; done < range.length; ) {
        const chunk = await read(range.offset + done, Math.min(COPY_CHUNK, range.length - done), chunkBuffer);
        if (chunk.length === 0)
          throw new Error(`unexpected end of file while copying samples at ${range.offset + done}`);
        await out.append([chunk]);
        done += chunk.length;
      }
    }
    await out.sync();
    await out.close();
  } catch (error) {
    await out.close().catch(() => undefined);
    await target.remove(partial);
    throw error;
  }
}
