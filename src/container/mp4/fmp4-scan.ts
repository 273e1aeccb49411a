/**
 * Rebuilds the sample index of a fragmented MP4 written by Fmp4Writer, from the file alone: the init
 * segment, then every complete moof+mdat pair. Normal close and crash recovery both come through
 * here; whatever follows the last complete fragment (a torn write, garbage) is left out and
 * reported, and only a missing or broken init segment makes the file unrecoverable.
 */
import { type BoxSpan, boxAt } from './box-reader.js';
import { Mp4ScanError } from './errors.js';
import { appendFragment } from './scan-fragment.js';
import { parseInitSegment, type TrackScan } from './scan-init.js';
import type { ScannedMp4 } from './scanned-mp4.js';

/** Reads `length` bytes at `offset` (never asked beyond `fileSize`). */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/** Largest moov / moof read into memory: the init moov is a few KiB, a 2 s moof tens of KiB. */
export const MAX_MOOV_BYTES = 1 << 20;
export const MAX_MOOF_BYTES = 4 << 20;
/** Enough for any box header, including a 64-bit size. */
const HEADER_PEEK = 16;
const BOXES_BEFORE_MOOV = new Set(['ftyp', 'free', 'skip', 'wide']);
const BOXES_BETWEEN_FRAGMENTS = new Set(['free', 'skip', 'styp', 'sidx', 'prft', 'emsg', 'mfra']);

export async function scanFragmentedMp4(read: ReadAt, fileSize: number): Promise<ScannedMp4> {
  const { scans, fragmentsStart } = await readInitSegment(read, fileSize);
  const tracks = new Map(scans.map((scan) => [scan.track.trackId, scan]));
  let position = fragmentsStart;
  let fragmentCount = 0;
  while (position < fileSize) {
    const header = await topLevelBoxAt(read, position, fileSize);
    if (header === undefined) break;
    if (header.type === 'moof') {
      const end = await readFragment(read, position, header, fileSize, tracks);
      if (end === undefined) break;
      fragmentCount++;
      position = end;
    } else if (BOXES_BETWEEN_FRAGMENTS.has(header.type)) {
      position = header.end;
    } else {
      break; // an orphan mdat or garbage: nothing after it can be trusted
    }
  }
  return {
    tracks: scans.map((scan) => scan.track),
    fragmentCount,
    validEnd: position,
    truncatedAt: position < fileSize ? position : undefined,
  };
}

async function readInitSegment(
  read: ReadAt,
  fileSize: number,
): Promise<{ scans: TrackScan[]; fragmentsStart: number }> {
  let position = 0;
  for (;;) {
    const header = await topLevelBoxAt(read, position, fileSize);
    if (header === undefined) throw new Mp4ScanError(`no complete moov (file ends or breaks at ${position})`);
    if (header.type === 'moov') {
      const size = header.end - position;
      if (size > MAX_MOOV_BYTES) throw new Mp4ScanError(`moov of ${size} bytes is not an init segment`);
      const bytes = await readExactly(read, position, size);
      if (bytes === undefined) throw new Mp4ScanError('moov could not be read');
      return { scans: parseInitSegment(bytes), fragmentsStart: header.end };
    }
    if (!BOXES_BEFORE_MOOV.has(header.type)) throw new Mp4ScanError(`${header.type} box before the moov`);
    position = header.end;
  }
}

/** The complete box starting at file offset `position`, with file offsets; undefined if torn. */
async function topLevelBoxAt(read: ReadAt, position: number, fileSize: number): Promise<BoxSpan | undefined> {
  const available = fileSize - position;
  const bytes = await readExactly(read, position, Math.min(HEADER_PEEK, available));
  const span = bytes && boxAt(bytes, 0, available);
  return span && { ...span, start: position, bodyStart: position + span.bodyStart, end: position + span.end };
}

/** Adds the fragment whose moof is `moof`; returns the end of its mdat, or undefined if it is incomplete or damaged. */
async function readFragment(
  read: ReadAt,
  position: number,
  moof: BoxSpan,
  fileSize: number,
  tracks: ReadonlyMap<number, TrackScan>,
): Promise<number | undefined> {
  const moofSize = moof.end - position;
  if (moofSize > MAX_MOOF_BYTES) return undefined;
  // The moof and the header of the mdat that must follow it, in one read.
  const bytes = await readExactly(read, position, Math.min(moofSize + HEADER_PEEK, fileSize - position));
  if (bytes === undefined) return undefined;
  const mdat = boxAt(bytes, moofSize, fileSize - moof.end);
  if (mdat === undefined || mdat.type !== 'mdat') return undefined;
  const local = { type: 'moof', start: 0, bodyStart: moof.bodyStart - position, end: moofSize };
  const where = {
    moofOffset: position,
    payloadStart: position + mdat.bodyStart,
    payloadEnd: position + mdat.end,
  };
  try {
    appendFragment(bytes, local, where, tracks);
  } catch (error) {
    if (error instanceof Mp4ScanError) return undefined;
    throw error;
  }
  return where.payloadEnd;
}

async function readExactly(read: ReadAt, offset: number, length: number): Promise<Buffer | undefined> {
  const bytes = await read(offset, length);
  return bytes.length >= length ? bytes : undefined;
}
