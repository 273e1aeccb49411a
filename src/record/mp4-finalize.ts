import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { type FastStartPlan, planFastStart } from '../container/mp4/faststart.js';
import { scanFragmentedMp4 } from '../container/mp4/fmp4-scan.js';

const COPY_CHUNK = 1 << 20;
/** Suffix of the fast-start file while it is being written; recovery removes strays. */
export const FASTSTART_SUFFIX = '.faststart-partial';

export interface FinalizedMp4 {
  durationMs: number;
  sizeBytes: number;
  /** False when the disk had no room for the rewrite: the file stays a (clean) fragmented MP4. */
  fastStart: boolean;
}

export class EmptyRecordingError extends Error {
  constructor(path: string) {
    super(`${path} holds no complete media sample`);
    this.name = 'EmptyRecordingError';
  }
}

/**
 * Rewrites a fragmented MP4 (as recorded) into a fast-start MP4 in place: scan its fragments, write
 * ftyp+moov+mdat to a sibling file, copy the samples across, sync, rename over the original. Until the
 * rename the fragmented original is untouched, so a crash at any point leaves a playable file and
 * running this again finishes the job. A file that is already fast-start is left as it is.
 */
export async function finalizeMp4(path: string): Promise<FinalizedMp4> {
  const source = await open(path, 'r+');
  let plan: FastStartPlan;
  try {
    const { size } = await source.stat();
    const already = await fastStartDuration(source, size);
    if (already !== undefined) return { durationMs: already, sizeBytes: size, fastStart: true };
    const scan = await scanFragmentedMp4((offset, length) => readExactly(source, offset, length), size);
    if (scan.tracks.every((t) => t.samples.count === 0)) throw new EmptyRecordingError(path);
    // A torn last fragment (crash, full disk) is cut off first: that needs no free space.
    if (scan.truncatedAt !== undefined) await source.truncate(scan.validEnd);
    plan = planFastStart(scan);
    try {
      await writeFastStart(source, plan, path + FASTSTART_SUFFIX);
    } catch (error) {
      if (!isOutOfSpace(error)) throw error;
      return { durationMs: plan.durationMs, sizeBytes: scan.validEnd, fastStart: false };
    }
  } finally {
    await source.close();
  }
  await rename(path + FASTSTART_SUFFIX, path);
  const sizeBytes = plan.head.length + plan.copy.reduce((n, r) => n + r.length, 0);
  return { durationMs: plan.durationMs, sizeBytes, fastStart: true };
}

export function isOutOfSpace(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

async function writeFastStart(source: FileHandle, plan: FastStartPlan, target: string): Promise<void> {
  const out = await open(target, 'w');
  try {
    await writeFully(out, plan.head, plan.head.length);
    const buffer = Buffer.allocUnsafe(COPY_CHUNK);
    for (const range of plan.copy) {
      let done = 0;
      while (done < range.length) {
        const want = Math.min(COPY_CHUNK, range.length - done);
        const { bytesRead } = await source.read(buffer, 0, want, range.offset + done);
        if (bytesRead === 0)
          throw new Error(`unexpected end of file while copying samples at ${range.offset + done}`);
        await writeFully(out, buffer, bytesRead);
        done += bytesRead;
      }
    }
    await out.datasync();
  } catch (error) {
    await out.close().catch(() => undefined);
    await rm(target, { force: true });
    throw error;
  }
  await out.close();
}

/** A write may be short (a disk filling up answers with what fit); only a thrown error stops this loop. */
async function writeFully(file: FileHandle, buffer: Buffer, length: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await file.write(buffer, done, length - done);
    if (bytesWritten === 0)
      throw Object.assign(new Error('no space left on device (short write)'), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

/** Up to `length` bytes at `offset`; fewer only where the file ends. */
export async function readExactly(file: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) return buffer.subarray(0, done);
    done += bytesRead;
  }
  return buffer;
}

/**
 * A fast-start file (our own output: ftyp, then moov whose first child is mvhd, and no mvex) → its
 * duration in ms; undefined for anything else, which then goes through the fragment scan.
 */
async function fastStartDuration(file: FileHandle, size: number): Promise<number | undefined> {
  const head = await readExactly(file, 0, Math.min(size, 64 * 1024));
  if (head.length < 16 || head.toString('latin1', 4, 8) !== 'ftyp') return undefined;
  const moovAt = head.readUInt32BE(0);
  if (moovAt + 8 + 32 > head.length || head.toString('latin1', moovAt + 4, moovAt + 8) !== 'moov')
    return undefined;
  const moovEnd = moovAt + head.readUInt32BE(moovAt);
  if (head.indexOf('mvex', moovAt, 'latin1') > 0 && head.indexOf('mvex', moovAt, 'latin1') < moovEnd)
    return undefined;
  const mvhd = moovAt + 8;
  if (head.toString('latin1', mvhd + 4, mvhd + 8) !== 'mvhd') return undefined;
  const version = head[mvhd + 8];
  const timescale = version === 1 ? head.readUInt32BE(mvhd + 28) : head.readUInt32BE(mvhd + 20);
  const duration = version === 1 ? Number(head.readBigUInt64BE(mvhd + 32)) : head.readUInt32BE(mvhd + 24);
  return timescale > 0 ? Math.round((duration * 1000) / timescale) : undefined;
}
