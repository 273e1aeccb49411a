/**
 * FLV file framing (FLV spec 10.1, Annex E): header, tag header, PreviousTagSize trailer, onMetaData.
 * A tag is written as [header, body, trailer] so the body (an RTMP message payload) is never copied.
 */
import { type AmfValue, encodeAmf0 } from '../amf/amf0.js';

export type FlvTagType = 8 | 9 | 18;

const FLV_HEADER_SIZE = 9;
const TAG_HEADER_SIZE = 11;
const MAX_BODY_SIZE = 0xffffff;

/** FLV header plus PreviousTagSize0 (13 bytes). */
export function flvFileHeader(tracks: { audio: boolean; video: boolean }): Buffer {
  const header = Buffer.alloc(FLV_HEADER_SIZE + 4);
  header.write('FLV', 0, 'latin1');
  header[3] = 1;
  header[4] = (tracks.audio ? 4 : 0) | (tracks.video ? 1 : 0);
  header.writeUInt32BE(FLV_HEADER_SIZE, 5);
  return header;
}

/**
 * 11-byte tag header. Timestamps past 24 bits go to the extended byte; past 32 bits they wrap,
 * as every FLV reader expects of a stream longer than ~49.7 days.
 */
export function flvTagHeader(type: FlvTagType, timestampMs: number, bodyLength: number): Buffer {
  if (!Number.isInteger(bodyLength) || bodyLength < 0 || bodyLength > MAX_BODY_SIZE) {
    throw new RangeError(`FLV tag body of ${bodyLength} bytes does not fit 24 bits`);
  }
  const timestamp = Math.max(0, Math.round(timestampMs)) >>> 0;
  const header = Buffer.allocUnsafe(TAG_HEADER_SIZE);
  header[0] = type;
  header.writeUIntBE(bodyLength, 1, 3);
  header.writeUIntBE(timestamp & 0xffffff, 4, 3);
  header[7] = timestamp >>> 24;
  header.writeUIntBE(0, 8, 3); // StreamID, always 0
  return header;
}

/** PreviousTagSize after a tag: header plus body length. */
export function flvTagTrailer(tagSize: number): Buffer {
  const trailer = Buffer.allocUnsafe(4);
  trailer.writeUInt32BE(tagSize);
  return trailer;
}

/** A whole tag as three buffers to write in order; `body` is referenced, not copied. */
export function flvTag(type: FlvTagType, timestampMs: number, body: Buffer): Buffer[] {
  return [flvTagHeader(type, timestampMs, body.length), body, flvTagTrailer(TAG_HEADER_SIZE + body.length)];
}

export interface FlvMetadata {
  duration?: number;
  width?: number;
  height?: number;
  framerate?: number;
  /** FLV CodecID (7 AVC, 12 HEVC) or, for Enhanced RTMP, the FourCC as a number. */
  videocodecid?: number;
  audiocodecid?: number;
  audiosamplerate?: number;
  stereo?: boolean;
  filesize?: number;
  [key: string]: AmfValue;
}

/** Script data body `onMetaData` + ECMA array; undefined fields are left out. */
export function onMetaDataTag(meta: FlvMetadata): Buffer {
  const properties: Record<string, AmfValue> = {};
  for (const [key, value] of Object.entries(meta)) if (value !== undefined) properties[key] = value;
  return encodeAmf0(['onMetaData', properties], { ecmaArrays: true });
}
