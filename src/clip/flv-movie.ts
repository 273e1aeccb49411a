/**
 * An FLV recording read as the sample tables of an MP4 movie, so the clip planner (which cuts MP4
 * files) cuts FLV files too without re-encoding: each audio or video frame's payload inside its FLV
 * tag is already what an MP4 sample holds (length-prefixed NAL units, OBUs, a VP9 frame, a raw AAC or
 * MP3 frame), so a sample's offset simply points into the FLV file. Timing comes from the same
 * packetizer the live path uses (ms, so the timescale is 1000); the sample entries from the MP4
 * recorder's builder. Pure: bytes come through `read`, nothing is written.
 */

import { Mp4WriteError } from '../container/mp4/errors.js';
import type { ReadAt } from '../container/mp4/fmp4-scan.js';
import type { MovieTrack, Mp4Movie } from '../container/mp4/movie-read.js';
import { buildSampleEntry } from '../container/mp4/sample-entry.js';
import { SampleIndex } from '../container/mp4/sample-index.js';
import { MediaParseError } from '../media/errors.js';
import type { CodecConfig, MediaPacket, TrackKind } from '../media/packet.js';
import { MediaPacketizer } from '../media/packetizer.js';

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

interface TrackBuild {
  config: CodecConfig;
  entry: Buffer;
  samples: SampleIndex;
  firstDts: number;
  firstPts: number;
  lastDts: number;
}

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

/**
 * Turns tags into sample tables, one track per kind. The movie's time 0 is the first video frame
 * shown (else the first audio frame), as the MP4 recorder's edit lists make it and as players count
 * an FLV's time; audio before it is placed before 0, out of any clip.
 */
export class FlvMovieBuilder {
  private readonly packetizer = new MediaPacketizer({ maxJumpMs: Number.MAX_SAFE_INTEGER });
  private readonly tracks = new Map<TrackKind, TrackBuild>();

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
    this.add(result, offset + (result.data.byteOffset - body.byteOffset));
  }

  movie(): Mp4Movie {
    const built = [...this.tracks.values()];
    if (built.length === 0) throw new FlvMovieError('the FLV holds no audio or video frame');
    const video = this.tracks.get('video');
    const zero = video !== undefined ? video.firstPts : built[0]!.firstDts;
    const tracks: MovieTrack[] = built.map((t, i) => {
      const { samples } = t;
      // The last frame lasts as long as the one before it: FLV does not say.
      const count = samples.count;
      samples.duration[count - 1] = count > 1 ? samples.duration[count - 2]! : 0;
      const startsAt = t.firstDts - zero;
      const { config } = t;
      return {
        trackId: i + 1,
        kind: config.kind,
        timescale: TIMESCALE,
        codec: t.entry.toString('latin1', 4, 8),
        width: config.kind === 'video' ? config.width : 0,
        height: config.kind === 'video' ? config.height : 0,
        channels: config.kind === 'audio' ? config.channels : 0,
        sampleEntry: t.entry,
        samples,
        placement: startsAt >= 0 ? { leadMs: startsAt, mediaTime: 0 } : { leadMs: 0, mediaTime: -startsAt },
      };
    });
    return { tracks };
  }

  private add(packet: MediaPacket, offset: number): void {
    const config = packet.config;
    if (config === undefined) return; // a frame before its sequence header cannot be decoded
    let track = this.tracks.get(packet.kind);
    if (track === undefined) {
      track = {
        config,
        entry: sampleEntryOf(config),
        samples: new SampleIndex(),
        firstDts: packet.dts,
        firstPts: packet.pts,
        lastDts: packet.dts,
      };
      this.tracks.set(packet.kind, track);
    } else if (config !== track.config && !sameSettings(config, track.config)) {
      throw new FlvMovieError(
        `the ${packet.kind} codec settings change inside the file (at offset ${offset})`,
      );
    }
    const { samples } = track;
    if (samples.count > 0) samples.duration[samples.count - 1] = packet.dts - track.lastDts;
    samples.append(offset, packet.data.length, 0, packet.pts - packet.dts, packet.keyframe);
    track.lastDts = packet.dts;
  }
}

function sampleEntryOf(config: CodecConfig): Buffer {
  try {
    return buildSampleEntry(config);
  } catch (error) {
    if (error instanceof Mp4WriteError) throw new FlvMovieError(error.message);
    throw error;
  }
}

/** A repeated or re-derived config that changes nothing the sample entry says. */
function sameSettings(a: CodecConfig, b: CodecConfig): boolean {
  return a.codec === b.codec && a.record.equals(b.record) && a.codecString === b.codecString;
}
