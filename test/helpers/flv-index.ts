/**
 * Test oracle for the keyframe index of a recorded FLV, written independently of the recorder: walks the
 * tags itself and checks onMetaData's `keyframes` against them the way players use it.
 */
import { decodeAmf0 } from '../../src/amf/amf0.js';

export interface FlvIndexReport {
  times: number[];
  filepositions: number[];
  /** Offsets of the video tags a player may start at (sequence header and keyframes), in file order. */
  startable: number[];
  /** Everything wrong with the index; empty when players can seek with it. */
  problems: string[];
}

interface Tag {
  type: number;
  timestamp: number;
  body: Buffer;
}

function tagsByOffset(file: Buffer): Map<number, Tag> {
  const tags = new Map<number, Tag>();
  let at = file.readUInt32BE(5) + 4;
  while (at + 11 <= file.length) {
    const size = file.readUIntBE(at + 1, 3);
    if (at + 11 + size > file.length) break;
    const timestamp = (file.readUIntBE(at + 4, 3) | (file[at + 7]! << 24)) >>> 0;
    tags.set(at, { type: file[at]! & 0x1f, timestamp, body: file.subarray(at + 11, at + 11 + size) });
    at += 11 + size + 4;
  }
  return tags;
}

/** Frame type 1 and not an end-of-sequence packet (legacy AVC/HEVC packet type 2 / Enhanced type 2). */
function isStartable(tag: Tag): boolean {
  if (tag.type !== 9 || tag.body.length < 2 || ((tag.body[0]! >> 4) & 7) !== 1) return false;
  const packetType = tag.body[0]! & 0x80 ? tag.body[0]! & 0x0f : tag.body[1];
  return packetType !== 2;
}

export function inspectKeyframeIndex(file: Buffer): FlvIndexReport {
  const tags = tagsByOffset(file);
  const first = tags.values().next().value;
  const problems: string[] = [];
  const startable = [...tags].filter(([, tag]) => isStartable(tag)).map(([at]) => at);
  if (first?.type !== 18) return { times: [], filepositions: [], startable, problems: ['no onMetaData'] };
  const [, meta] = decodeAmf0(first.body) as [string, Record<string, unknown>];
  const index = meta.keyframes as { times?: number[]; filepositions?: number[] } | undefined;
  const times = index?.times ?? [];
  const filepositions = index?.filepositions ?? [];
  if (!index) problems.push('onMetaData has no keyframes object');
  if (times.length !== filepositions.length) problems.push('times and filepositions differ in length');
  for (let i = 0; i < filepositions.length; i++) {
    if (i > 0 && (times[i]! < times[i - 1]! || filepositions[i]! < filepositions[i - 1]!))
      problems.push(`entry ${i} goes backwards`);
    const tag = tags.get(filepositions[i]!);
    if (!tag || !isStartable(tag)) problems.push(`entry ${i} (${filepositions[i]}) is not a keyframe tag`);
    else if (Math.abs(tag.timestamp - times[i]! * 1000) > 1)
      problems.push(`entry ${i}: time ${times[i]} s, tag timestamp ${tag.timestamp} ms`);
  }
  if (startable.length > 0 && filepositions.length > 0) {
    if (filepositions[0] !== startable[0]) problems.push('the first startable tag is not the first entry');
    if (filepositions.at(-1) !== startable.at(-1))
      problems.push('the last startable tag is not the last entry');
  }
  return { times, filepositions, startable, problems };
}
