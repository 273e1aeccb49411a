/**
 * An FLV recording read as the sample tables of an MP4 movie, so the clip planner (which cuts MP4
 * files) cuts FLV files too without re-encoding: each audio or video frame's payload inside its FLV
 * tag is already what an MP4 sample holds (length-prefixed NAL units, OBUs, a VP9 frame, a raw AAC or
 * MP3 frame), so a sample's offset simply points into the FLV file. Timing comes from the same
 * packetizer the live path uses (ms, so the timescale is 1000); the sample entries from the MP4
 * recorder's builder. Pure: bytes come through `read`, nothing is written.
 */

import type { ReadAt } from '../container/mp4/fmp4-scan.js';
import type { Mp4Movie } from '../container/mp4/movie-read.js';
import { MediaParseError } from '../media/errors.js';
import { MediaPacketizer } from '../media/packetizer.js';
import { MovieBuilder } from './movie-builder.js';

/** The file is not an FLV the planner can use; the message says why. */
export class FlvMovieError extends Error {
  override readonly name = 'FlvMovieError';
}

const FLV_HEADER_MIN = 9;
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;
const FILTER_BIT = 0x20;
/** Bytes read at a time: a tag is almost always inside one window, so the file is read ~once. */
const WINDOW_BYTES = 4 << 20;
/** Packets in FLV are timed in ms. */
const TIMESCALE = 1000;
/** A tag claims at most 2^24 − 1 bytes. */
const MAX_TAG_BODY = 0xffffff;

/**
 * Reads every tag of the FLV of `fileSize` bytes through `read`, `windowBytes` at a time, and returns
 * its audio and video tracks.
 */
export async function readFlvMovie(
  read: ReadAt,
  fileSize: number,
  windowBytes = WINDOW_BYTES,
): Promise<Mp4Movie> {
  const builder = new FlvMovieBuilder();
  for await (const tag of flvTags(read, fileSize, windowBytes)) {
    builder.tag(tag.type, tag.timestamp, tag.body, tag.offset);
  }
  return builder.movie();
}

interface LocatedTag {
  readonly type: number;
  readonly timestamp: number;
  readonly body: Buffer;
  /** File offset of the body's first byte. */
  readonly offset: number;
}

/**
 * The audio (8) and video (9) tags of the file, read `windowBytes` at a time. A file cut short (a
 * writer killed mid-tag) ends at its last whole tag, as players read it.
 */
async function* flvTags(read: ReadAt, fileSize: number, windowBytes: number): AsyncGenerator<LocatedTag> {
  const header = await read(0, Math.min(FLV_HEADER_MIN, fileSize));
  if (header.length < FLV_HEADER_MIN || header.toString('latin1', 0, 3) !== 'FLV') {
    throw new FlvMovieError('not an FLV file: missing the "FLV" signature');
  }
  const dataOffset = header.readUInt32BE(5);
  if (dataOffset < FLV_HEADER_MIN || dataOffset > fileSize) {
    throw new FlvMovieError(`FLV header size ${dataOffset} is invalid`);
  }
  let windowStart = 0;
  let window: Buffer = Buffer.alloc(0);
  let position = dataOffset + PREVIOUS_TAG_SIZE;
  /** Makes [position, position + length) readable in `window`; false past the end of the file. */
  const have = async (length: number): Promise<boolean> => {
    if (position + length > fileSize) return false;
    if (position >= windowStart && position + length <= windowStart + window.length) return true;
    windowStart = position;
    window = await read(position, Math.min(fileSize - position, Math.max(length, windowBytes)));
    return window.length >= length;
  };
  while (await have(TAG_HEADER)) {
    const at = position - windowStart;
    const typeByte = window[at]!;
    if ((typeByte & FILTER_BIT) !== 0) throw new FlvMovieError(`encrypted tag at offset ${position}`);
    const size = window.readUIntBE(at + 1, 3);
    const timestamp = (window.readUIntBE(at + 4, 3) | (window[at + 7]! << 24)) >>> 0;
    if (size > MAX_TAG_BODY || !(await have(TAG_HEADER + size))) break;
    const type = typeByte & 0x1f;
    const bodyStart = position - windowStart + TAG_HEADER;
    if (type === 8 || type === 9) {
      yield {
        type,
        timestamp,
        body: window.subarray(bodyStart, bodyStart + size),
        offset: position + TAG_HEADER,
      };
    }
    position += TAG_HEADER + size + PREVIOUS_TAG_SIZE;
  }
}

/** Turns tags into sample tables, one track per kind (see movie-builder.ts for the movie's time 0). */
export class FlvMovieBuilder {
  private readonly packetizer = new MediaPacketizer({ maxJumpMs: Number.MAX_SAFE_INTEGER });
  private readonly builder = new MovieBuilder(TIMESCALE, (message) => new FlvMovieError(message));

  /** One audio (8) or video (9) tag whose body starts at file offset `offset`. */
  tag(type: number, timestamp: number, body: Buffer, offset: number): void {
    let result: ReturnType<MediaPacketizer['video']>;
    try {
      result = type === 9 ? this.packetizer.video(timestamp, body) : this.packetizer.audio(timestamp, body);
    } catch (error) {
      if (error instanceof MediaParseError)
        throw new FlvMovieError(`tag at offset ${offset}: ${error.message}`);
      throw error;
    }
    if (result === undefined || !('kind' in result)) return; // a config: it comes with its first packet
    // A frame before its sequence header cannot be decoded.
    if (result.config === undefined) return;
    const at = offset + (result.data.byteOffset - body.byteOffset);
    this.builder.add(
      {
        config: result.config,
        dts: result.dts,
        pts: result.pts,
        keyframe: result.keyframe,
        offset: at,
        size: result.data.length,
      },
      `at offset ${at}`,
    );
  }

  movie(): Mp4Movie {
    return this.builder.movie();
  }
}
