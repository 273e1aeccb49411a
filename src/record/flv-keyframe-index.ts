/**
 * The yamdi/flvmeta keyframe index of a recorded FLV: onMetaData's
 * `keyframes: { times: [s…], filepositions: [tag offset…] }`, which mpegts.js/flv.js and ffmpeg need to
 * seek with range requests. FLV is append-only, so the index is reserved at a fixed capacity when the
 * file starts and filled in place when it closes (or when crash recovery rescans it).
 *
 * The reserve is written under the placeholder name `unindexed` (same length as `keyframes`) and renamed
 * by the last patch: a file read before it is closed, or left by a crash, does not advertise an index of
 * zeros, which mpegts.js would follow to byte 0 on every seek.
 */
import type { AmfObject } from '../amf/amf0.js';
import { MediaParseError, parseVideoTag } from '../media/flv-tag.js';
import type { Patch } from './container-writer.js';

/** A video tag a player may start decoding at: `timeMs` is its tag timestamp, `position` its header's offset. */
export interface KeyframeEntry {
  timeMs: number;
  position: number;
}

/**
 * Whether a video tag body belongs in the index: a keyframe, or the sequence header. The sequence header
 * is listed (first, at its own offset) as yamdi does, because mpegts.js and flv.js drop the first entry
 * expecting it there; without it they would lose the file's first real keyframe.
 */
export function isIndexedVideoTag(body: Buffer): boolean {
  try {
    const unit = parseVideoTag(body);
    return unit.type === 'config' || (unit.type === 'frame' && unit.keyframe);
  } catch (error) {
    if (error instanceof MediaParseError) return false;
    throw error;
  }
}

const INDEX_KEY = 'keyframes';
const PLACEHOLDER_KEY = 'unindexed';
const TIMES_KEY = 'times';
const POSITIONS_KEY = 'filepositions';
const AMF_NUMBER = 0x00;
const AMF_OBJECT = 0x03;
const AMF_STRICT_ARRAY = 0x0a;
/** Each element: the number marker and a big-endian double. */
const ELEMENT_BYTES = 9;

/**
 * One slot per second of the file's interval: players seek to the last entry at or before the target,
 * so that is as fine as a 1-s GOP over the whole file, at 18 bytes a slot (1800 s ≈ 32 KiB of metadata,
 * read before the first frame, a few ms of a 1 Mbit/s download). At least 60 so short intervals keep a
 * fine index (a file runs past its interval to the next keyframe); at most 5400 (RECORD_INTERVAL_MAX's
 * default, 1.5 h) so a file recorded without a split never carries more than ~95 KiB of it.
 */
export function keyframeIndexCapacity(intervalMs: number): number {
  return Math.min(5400, Math.max(60, Math.ceil(intervalMs / 1000)));
}

/** The onMetaData property that reserves an index of `capacity` slots (spread it into the metadata). */
export function reservedKeyframeIndex(capacity: number): AmfObject {
  const zeros = (): number[] => new Array<number>(capacity).fill(0);
  return { [PLACEHOLDER_KEY]: { [TIMES_KEY]: zeros(), [POSITIONS_KEY]: zeros() } };
}

/** Where the reserved index sits inside an onMetaData body (offsets relative to the body). */
export interface KeyframeIndexLayout {
  nameAt: number;
  timesAt: number;
  positionsAt: number;
  capacity: number;
}

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');
const keyBytes = (key: string): Buffer => Buffer.concat([Buffer.from([0, key.length]), latin1(key)]);
const arrayHead = (key: string): Buffer => Buffer.concat([keyBytes(key), Buffer.from([AMF_STRICT_ARRAY])]);
const INDEX_HEADS = [INDEX_KEY, PLACEHOLDER_KEY].map((name) =>
  Buffer.concat([keyBytes(name), Buffer.from([AMF_OBJECT]), arrayHead(TIMES_KEY)]),
);
const POSITIONS_HEAD = arrayHead(POSITIONS_KEY);

/**
 * Finds the index reserved by `reservedKeyframeIndex` (renamed or not) in an onMetaData body; undefined
 * when the body has none or it is not laid out as reserved (two strict arrays of one length ≥ 2).
 */
export function findKeyframeIndex(body: Buffer): KeyframeIndexLayout | undefined {
  for (const head of INDEX_HEADS) {
    const at = body.indexOf(head);
    if (at < 0) continue;
    const countAt = at + head.length;
    if (countAt + 4 > body.length) return undefined;
    const capacity = body.readUInt32BE(countAt);
    const positionsHeadAt = countAt + 4 + capacity * ELEMENT_BYTES;
    const positionsAt = positionsHeadAt + POSITIONS_HEAD.length + 4;
    if (capacity < 2 || positionsAt + capacity * ELEMENT_BYTES > body.length) return undefined;
    if (!body.subarray(positionsHeadAt, positionsHeadAt + POSITIONS_HEAD.length).equals(POSITIONS_HEAD))
      return undefined;
    if (body.readUInt32BE(positionsAt - 4) !== capacity) return undefined;
    return { nameAt: at + 2, timesAt: countAt + 4, positionsAt, capacity };
  }
  return undefined;
}

/**
 * Exactly `capacity` entries: all of them when they fit, else `capacity` spread evenly over the whole
 * list (first and last kept) so the index covers the entire file. Unused slots repeat the last entry,
 * which keeps both arrays non-decreasing for the players' binary searches.
 */
export function selectKeyframes(entries: readonly KeyframeEntry[], capacity: number): KeyframeEntry[] {
  if (entries.length === 0) return [];
  const last = entries.length - 1;
  const chosen: KeyframeEntry[] = [];
  for (let slot = 0; slot < capacity; slot++) {
    // Integer product first, so the last slot lands exactly on the last entry.
    const i = entries.length > capacity ? Math.round((slot * last) / (capacity - 1)) : Math.min(slot, last);
    chosen.push(entries[i]!);
  }
  return chosen;
}

/**
 * Patches that fill the index of an onMetaData body written at `bodyOffset` and then rename it to
 * `keyframes`, in that order, so a crash between them leaves no half-written index advertised. No
 * patches when the body reserves no index or there is no keyframe to list.
 */
export function keyframeIndexPatches(
  body: Buffer,
  bodyOffset: number,
  entries: readonly KeyframeEntry[],
): Patch[] {
  const layout = findKeyframeIndex(body);
  if (!layout || entries.length === 0) return [];
  const chosen = selectKeyframes(entries, layout.capacity);
  return [
    { position: bodyOffset + layout.timesAt, data: numberElements(chosen.map((e) => e.timeMs / 1000)) },
    { position: bodyOffset + layout.positionsAt, data: numberElements(chosen.map((e) => e.position)) },
    { position: bodyOffset + layout.nameAt, data: latin1(INDEX_KEY) },
  ];
}

function numberElements(values: readonly number[]): Buffer {
  const data = Buffer.alloc(values.length * ELEMENT_BYTES);
  for (const [i, value] of values.entries()) {
    data[i * ELEMENT_BYTES] = AMF_NUMBER;
    data.writeDoubleBE(value, i * ELEMENT_BYTES + 1);
  }
  return data;
}
