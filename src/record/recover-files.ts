import { type PlaylistSegment, parseMediaPlaylist, renderMediaPlaylist } from '../container/hls/playlist.js';
import { scanTsSegment } from '../container/mpegts/ts-scan.js';
import { readAdtsHeader } from '../media/aac.js';
import { readFlvTagHeader } from '../media/flv-file.js';
import { fastStartPartialKey, PLAYLIST_NAME, playlistKey } from '../storage/layout.js';
import { StorageError, type StorageTarget, storageErrorCode } from '../storage/target.js';
import { flvMetadataPatches } from './flv-container.js';
import { isIndexedVideoTag, type KeyframeEntry, keyframeIndexPatches } from './flv-keyframe-index.js';
import { finalizeMp4, isOutOfSpace } from './mp4-finalize.js';
import type { RecordFormat } from './plan.js';

/** What recovery learned from a file left open by a crash or cut short by a full disk. */
export interface RecoveredFile {
  durationMs: number;
  sizeBytes: number;
}

/**
 * Makes a recording whose writing stopped abruptly playable again and measures it: torn tails are cut,
 * durations rebuilt from the media itself, MP4 finalized to fast start where storage allows. `key` is
 * the file, or for HLS the recording's folder.
 */
export async function repairFile(
  target: StorageTarget,
  format: RecordFormat,
  key: string,
): Promise<RecoveredFile> {
  switch (format) {
    case 'mp4':
      await target.remove(fastStartPartialKey(key));
      return finalizeMp4(target, key);
    case 'flv':
      return recoverFlv(target, key);
    case 'aac':
      return recoverAdts(target, key);
    case 'hls':
      return recoverHls(target, key);
  }
}

const READ_CHUNK = 4 << 20;
const FLV_HEADER_BYTES = 13;
const FLV_SCRIPT_TAG = 18;

/** The size of `key`; `ENOENT` when it is gone. */
async function sizeOf(target: StorageTarget, key: string): Promise<number> {
  const info = await target.stat(key);
  if (info === undefined) throw new StorageError('ENOENT', `no recording "${key}"`);
  return info.sizeBytes;
}

/**
 * Reads `key` front to back in large chunks and hands `parse` a window starting at `position`;
 * `parse` returns how many bytes it consumed (0 = needs more bytes, -1 = stop). Resolves to where the
 * last consumed unit ends.
 */
async function walk(
  target: StorageTarget,
  key: string,
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
    const readTo = bufferStart + buffer.length;
    if (used < 0 || readTo >= size) return position;
    const more = await target.read(key, readTo, Math.min(size, readTo + READ_CHUNK));
    if (more.length === 0) return position;
    buffer = Buffer.concat([buffer.subarray(position - bufferStart), more]);
    bufferStart = position;
  }
}

/**
 * An FLV cut short by a crash: keep every complete tag, drop a torn last one, and write the real
 * duration, size and keyframe index into the onMetaData that LiveTape put first.
 */
export async function recoverFlv(target: StorageTarget, key: string): Promise<RecoveredFile> {
  const size = await sizeOf(target, key);
  let lastTimestamp = 0;
  const keyframes: KeyframeEntry[] = [];
  let metadata: { body: Buffer; offset: number } | undefined;
  const end = await walk(target, key, size, FLV_HEADER_BYTES, (buf, position) => {
    const tag = readFlvTagHeader(buf, 0);
    if (tag === undefined) return 0;
    if (tag.filtered || (tag.type !== 8 && tag.type !== 9 && tag.type !== FLV_SCRIPT_TAG)) return -1;
    if (buf.length < tag.next) return 0;
    lastTimestamp = Math.max(lastTimestamp, tag.timestamp);
    const body = buf.subarray(tag.bodyStart, tag.bodyEnd);
    if (position === FLV_HEADER_BYTES && tag.type === FLV_SCRIPT_TAG)
      metadata = { body: Buffer.from(body), offset: position + tag.bodyStart };
    if (tag.type === 9 && isIndexedVideoTag(body)) keyframes.push({ timeMs: tag.timestamp, position });
    return tag.next;
  });
  if (end < size) await target.truncate(key, end);
  if (metadata) {
    const { body, offset } = metadata;
    const file = await target.reopen(key);
    try {
      for (const patch of [
        ...flvMetadataPatches(body, offset, { durationMs: lastTimestamp, sizeBytes: end }),
        ...keyframeIndexPatches(body, offset, keyframes),
      ])
        await file.patch(patch.position, patch.data);
      await file.sync();
    } finally {
      await file.close();
    }
  }
  return { durationMs: lastTimestamp, sizeBytes: end };
}

/** An ADTS file cut short: keep the complete frames; the duration is frames × 1024 / rate. */
export async function recoverAdts(target: StorageTarget, key: string): Promise<RecoveredFile> {
  const size = await sizeOf(target, key);
  let frames = 0;
  let sampleRate = 0;
  const end = await walk(target, key, size, 0, (buf) => {
    if (buf.length < 7) return 0;
    const frame = readAdtsHeader(buf);
    if (!frame) return -1;
    if (buf.length < frame.length) return 0;
    sampleRate ||= frame.sampleRate;
    frames++;
    return frame.length;
  });
  if (end < size) await target.truncate(key, end);
  return { durationMs: sampleRate ? Math.round((frames * 1024 * 1000) / sampleRate) : 0, sizeBytes: end };
}

/**
 * An HLS folder whose push died: the playlist lists every finished segment (it is rewritten after
 * each). The segment that was in progress is cut after its last complete PES and appended with the
 * duration its timestamps span; anything else unlisted is removed. The playlist is then ended as VOD.
 */
export async function recoverHls(target: StorageTarget, folder: string): Promise<RecoveredFile> {
  const playlist = playlistKey(folder);
  const text = await target.read(playlist).then(
    (bytes) => bytes.toString('utf8'),
    (error: unknown) => {
      if (storageErrorCode(error) === 'ENOENT') return undefined;
      throw error;
    },
  );
  const segments: PlaylistSegment[] = text ? [...parseMediaPlaylist(text).segments] : [];
  const listed = new Set(segments.map((s) => s.uri));
  const nameOf = (key: string) => key.slice(folder.length + 1);
  const unlisted = (await target.list(folder))
    .map((o) => nameOf(o.key))
    .filter((n) => !listed.has(n) && n !== PLAYLIST_NAME)
    .sort();
  const lastListed = segments.at(-1)?.uri ?? '';
  const inProgress = unlisted.find((n) => n.endsWith('.ts'));
  for (const name of unlisted) {
    const key = `${folder}/${name}`;
    if (name === inProgress && name > lastListed) {
      const scan = scanTsSegment(await target.read(key));
      if (scan.durationMs > 0) {
        await target.truncate(key, scan.completeBytes);
        segments.push({ uri: name, durationSec: scan.durationMs / 1000 });
        continue;
      }
    }
    await target.remove(key);
  }
  await writeFinalPlaylist(target, folder, segments);
  const sizeBytes = (await target.list(folder)).reduce((n, o) => n + o.sizeBytes, 0);
  const durationMs = Math.round(segments.reduce((n, s) => n + s.durationSec * 1000, 0));
  return { durationMs, sizeBytes: segments.length === 0 ? 0 : sizeBytes };
}

/**
 * Writes the VOD playlist (atomically: `put`). When storage is full the newest segment is given up to
 * make room: a playlist that lists fewer segments beats none at all.
 */
async function writeFinalPlaylist(
  target: StorageTarget,
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
      await target.put(playlistKey(folder), playlist);
      return;
    } catch (error) {
      const sacrificed = segments.pop();
      if (!isOutOfSpace(error) || !sacrificed) throw error;
      await target.remove(`${folder}/${sacrificed.uri}`);
    }
  }
}
