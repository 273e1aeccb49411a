import { type FileHandle, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type PlaylistSegment, parseMediaPlaylist, renderMediaPlaylist } from '../container/hls/playlist.js';
import { scanTsSegment } from '../container/mpegts/ts-scan.js';
import { flvMetadataPatches } from './flv-container.js';
import { PLAYLIST_NAME } from './hls-recording.js';
import { FASTSTART_SUFFIX, finalizeMp4, isOutOfSpace } from './mp4-finalize.js';
import type { RecordFormat } from './plan.js';

/** What recovery learned from a file left open by a crash or cut short by a full disk. */
export interface RecoveredFile {
  durationMs: number;
  sizeBytes: number;
}

/**
 * Makes a file whose writing stopped abruptly playable again and measures it: torn tails are cut,
 * durations rebuilt from the media itself, MP4 finalized to fast start where the disk allows.
 * `path` is the playlist for HLS.
 */
export async function repairFile(format: RecordFormat, path: string): Promise<RecoveredFile> {
  switch (format) {
    case 'mp4':
      await rm(path + FASTSTART_SUFFIX, { force: true });
      return finalizeMp4(path);
    case 'flv':
      return recoverFlv(path);
    case 'aac':
      return recoverAdts(path);
    case 'hls':
      return recoverHls(path, dirname(path));
  }
}

const READ_CHUNK = 4 << 20;
const FLV_HEADER_BYTES = 13;

/**
 * Reads a file front to back in large chunks and hands `parse` a window starting at `position`;
 * `parse` returns how many bytes it consumed (0 = needs more bytes, -1 = stop).
 */
/**
 * Writes the VOD playlist atomically. On a full disk the newest segment is given up to make room:
 * a playlist that lists fewer segments beats none at all.
 */
async function writeFinalPlaylist(
  playlistPath: string,
  folder: string,
  segments: PlaylistSegment[],
): Promise<void> {
  for (;;) {
    const playlist = renderMediaPlaylist({
      kind: 'vod',
      targetDurationSec: Math.max(1, ...segments.map((s) => Math.ceil(s.durationSec))),
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments,
      ended: true,
    });
    try {
      await writeFile(`${playlistPath}.partial`, playlist);
      await rename(`${playlistPath}.partial`, playlistPath);
      return;
    } catch (error) {
      await rm(`${playlistPath}.partial`, { force: true });
      const sacrificed = segments.pop();
      if (!isOutOfSpace(error) || !sacrificed) throw error;
      await rm(join(folder, sacrificed.uri), { force: true });
    }
  }
}

async function truncateFile(path: string, length: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.truncate(length);
    await file.datasync();
  } finally {
    await file.close();
  }
}

async function walk(
  file: FileHandle,
  size: number,
  start: number,
  parse: (buf: Buffer, position: number) => number,
): Promise<number> {
  let position = start;
  let buffer = Buffer.alloc(0);
  let bufferStart = start;
  for (;;) {
    const used = buffer.length === 0 ? 0 : parse(buffer.subarray(position - bufferStart), position);
    if (used > 0) {
      position += used;
      continue;
    }
    if (used < 0 || bufferStart + buffer.length >= size) return position;
    const keep = buffer.subarray(position - bufferStart);
    const more = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - (bufferStart + buffer.length)));
    const { bytesRead } = await file.read(more, 0, more.length, bufferStart + buffer.length);
    if (bytesRead === 0) return position;
    buffer = Buffer.concat([keep, more.subarray(0, bytesRead)]);
    bufferStart = position;
  }
}

/**
 * An FLV cut short by a crash: keep every complete tag, drop a torn last one, and write the real
 * duration and size into the onMetaData that LiveTape put first.
 */
export async function recoverFlv(path: string): Promise<RecoveredFile> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    let lastTimestamp = 0;
    const end = await walk(file, size, FLV_HEADER_BYTES, (buf) => {
      if (buf.length < 11) return 0;
      const total = 11 + buf.readUIntBE(1, 3) + 4;
      if (buf[0] !== 8 && buf[0] !== 9 && buf[0] !== 18) return -1;
      if (buf.length < total) return 0;
      lastTimestamp = Math.max(lastTimestamp, buf.readUIntBE(4, 3) | (buf[7]! << 24));
      return total;
    });
    if (end < size) await file.truncate(end);
    const head = Buffer.alloc(Math.min(end, 4096));
    await file.read(head, 0, head.length, 0);
    if (head.length > FLV_HEADER_BYTES + 11 && head[FLV_HEADER_BYTES] === 18) {
      const bodyLength = head.readUIntBE(FLV_HEADER_BYTES + 1, 3);
      const body = head.subarray(FLV_HEADER_BYTES + 11, FLV_HEADER_BYTES + 11 + bodyLength);
      for (const patch of flvMetadataPatches(body, FLV_HEADER_BYTES + 11, {
        durationMs: lastTimestamp,
        sizeBytes: end,
      })) {
        await file.write(patch.data, 0, patch.data.length, patch.position);
      }
    }
    await file.datasync();
    return { durationMs: lastTimestamp, sizeBytes: end };
  } finally {
    await file.close();
  }
}

const ADTS_SAMPLE_RATES = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];

/** An ADTS file cut short: keep the complete frames; the duration is frames × 1024 / rate. */
export async function recoverAdts(path: string): Promise<RecoveredFile> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    let frames = 0;
    let sampleRate = 0;
    const end = await walk(file, size, 0, (buf) => {
      if (buf.length < 7) return 0;
      if (buf[0] !== 0xff || (buf[1]! & 0xf0) !== 0xf0) return -1;
      const length = ((buf[3]! & 0x03) << 11) | (buf[4]! << 3) | (buf[5]! >> 5);
      if (length < 7) return -1;
      if (buf.length < length) return 0;
      sampleRate ||= ADTS_SAMPLE_RATES[(buf[2]! >> 2) & 0x0f] ?? 0;
      frames++;
      return length;
    });
    if (end < size) await file.truncate(end);
    await file.datasync();
    return { durationMs: sampleRate ? Math.round((frames * 1024 * 1000) / sampleRate) : 0, sizeBytes: end };
  } finally {
    await file.close();
  }
}

/**
 * An HLS folder whose push died: the playlist lists every finished segment (it is rewritten after
 * each). The segment that was in progress is cut after its last complete PES and appended with the
 * duration its timestamps span; anything else unlisted is removed. The playlist is then ended as VOD.
 */
export async function recoverHls(playlistPath: string, folder: string): Promise<RecoveredFile> {
  const text = await readFile(playlistPath, 'utf8').catch(() => undefined);
  const segments: PlaylistSegment[] = text ? [...parseMediaPlaylist(text).segments] : [];
  const listed = new Set(segments.map((s) => s.uri));
  const unlisted = (await readdir(folder)).filter((n) => !listed.has(n) && n !== PLAYLIST_NAME).sort();
  const lastListed = segments.at(-1)?.uri ?? '';
  for (const name of unlisted) {
    const path = join(folder, name);
    const inProgress =
      name.endsWith('.ts') && name > lastListed && name === unlisted.filter((n) => n.endsWith('.ts')).at(0);
    if (inProgress) {
      const scan = scanTsSegment(await readFile(path));
      if (scan.durationMs > 0) {
        await truncateFile(path, scan.completeBytes);
        segments.push({ uri: name, durationSec: scan.durationMs / 1000 });
        continue;
      }
    }
    await rm(path, { force: true });
  }
  await writeFinalPlaylist(playlistPath, folder, segments);
  let sizeBytes = 0;
  for (const name of await readdir(folder)) sizeBytes += (await stat(join(folder, name))).size;
  const durationMs = Math.round(segments.reduce((n, s) => n + s.durationSec * 1000, 0));
  return { durationMs, sizeBytes: segments.length === 0 ? 0 : sizeBytes };
}
