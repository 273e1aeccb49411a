import { type FileHandle, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type PlaylistSegment, parseMediaPlaylist, renderMediaPlaylist } from '../container/hls/playlist.js';
import { scanTsSegment } from '../container/mpegts/ts-scan.js';
import { PLAYLIST_NAME } from '../storage/layout.js';
import { flvMetadataPatches, flvTagTimestamp } from './flv-container.js';
import { isIndexedVideoTag, type KeyframeEntry, keyframeIndexPatches } from './flv-keyframe-index.js';
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
const TAG_HEADER_BYTES = 11;

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
 * duration, size and keyframe index into the onMetaData that LiveTape put first.
 */
export async function recoverFlv(path: string): Promise<RecoveredFile> {
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    let lastTimestamp = 0;
    const keyframes: KeyframeEntry[] = [];
    const end = await walk(file, size, FLV_HEADER_BYTES, (buf, position) => {
      if (buf.length < TAG_HEADER_BYTES) return 0;
      const bodyLength = buf.readUIntBE(1, 3);
      const total = TAG_HEADER_BYTES + bodyLength + 4;
      if (buf[0] !== 8 && buf[0] !== 9 && buf[0] !== 18) return -1;
      if (buf.length < total) return 0;
      const timestamp = flvTagTimestamp(buf);
      lastTimestamp = Math.max(lastTimestamp, timestamp);
      if (buf[0] === 9 && isIndexedVideoTag(buf.subarray(TAG_HEADER_BYTES, TAG_HEADER_BYTES + bodyLength)))
        keyframes.push({ timeMs: timestamp, position });
      return total;
    });
    if (end < size) await file.truncate(end);
    const body = await readMetadataBody(file, end);
    if (body) {
      const bodyOffset = FLV_HEADER_BYTES + TAG_HEADER_BYTES;
      for (const patch of [
        ...flvMetadataPatches(body, bodyOffset, { durationMs: lastTimestamp, sizeBytes: end }),
        ...keyframeIndexPatches(body, bodyOffset, keyframes),
      ]) {
        await file.write(patch.data, 0, patch.data.length, patch.position);
      }
    }
    await file.datasync();
    return { durationMs: lastTimestamp, sizeBytes: end };
  } finally {
    await file.close();
  }
}

/** The body of the script tag that opens the file, when it is there whole (at most 16 MiB, the tag limit). */
async function readMetadataBody(file: FileHandle, fileSize: number): Promise<Buffer | undefined> {
  const header = Buffer.alloc(TAG_HEADER_BYTES);
  if (fileSize < FLV_HEADER_BYTES + TAG_HEADER_BYTES) return undefined;
  await file.read(header, 0, TAG_HEADER_BYTES, FLV_HEADER_BYTES);
  const bodyLength = header.readUIntBE(1, 3);
  if (header[0] !== 18 || FLV_HEADER_BYTES + TAG_HEADER_BYTES + bodyLength > fileSize) return undefined;
  const body = Buffer.alloc(bodyLength);
  await file.read(body, 0, bodyLength, FLV_HEADER_BYTES + TAG_HEADER_BYTES);
  return body;
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
