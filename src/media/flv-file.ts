/**
 * Walks the tags of a whole FLV file held in memory (FLV spec 10.1, Annex E): the 9-byte header,
 * then PreviousTagSize fields around 11-byte tag headers. Used to replay ffmpeg-made FLV files over
 * RTMP in tests and benchmarks, and tag by tag (`readFlvTagHeader`) by crash recovery of recorded FLV;
 * tag bodies are views of the input, not copies.
 */

export class FlvFileError extends Error {
  override readonly name = 'FlvFileError';
}

export interface FlvFileTag {
  type: 8 | 9 | 18;
  /** Milliseconds, 32 bits: the 24-bit field extended by its upper byte. */
  timestamp: number;
  body: Buffer;
}

const HEADER_MIN_SIZE = 9;
const TAG_HEADER_SIZE = 11;
const PREVIOUS_TAG_SIZE = 4;
/** Bit 5 of the tag type byte marks an encrypted ("filtered") tag, which we cannot replay. */
const FILTER_BIT = 0x20;

/** One tag's header as it sits in a buffer: offsets are into that buffer. */
export interface FlvTagHeader {
  /** The tag type without the filter bit: 8 audio, 9 video, 18 script data, anything else unknown. */
  type: number;
  /** Bit 5 of the type byte: an encrypted ("filtered") tag. */
  filtered: boolean;
  /** Milliseconds, 32 bits: the 24-bit field extended by its upper byte. */
  timestamp: number;
  bodyStart: number;
  bodyEnd: number;
  /** Where the next tag starts, past this one's PreviousTagSize. */
  next: number;
}

/**
 * The header of the tag at `pos` (FLV spec E.4.1), or undefined when `buf` holds fewer than its 11
 * bytes. Whether the body is all there is the caller's question (`bodyEnd`, `next`).
 */
export function readFlvTagHeader(buf: Buffer, pos: number): FlvTagHeader | undefined {
  if (buf.length - pos < TAG_HEADER_SIZE) return undefined;
  const typeByte = buf[pos]!;
  const bodyStart = pos + TAG_HEADER_SIZE;
  const bodyEnd = bodyStart + buf.readUIntBE(pos + 1, 3);
  return {
    type: typeByte & 0x1f,
    filtered: (typeByte & FILTER_BIT) !== 0,
    timestamp: (buf.readUIntBE(pos + 4, 3) | (buf[pos + 7]! << 24)) >>> 0,
    bodyStart,
    bodyEnd,
    next: bodyEnd + PREVIOUS_TAG_SIZE,
  };
}

/** Where the first tag starts, after the header and the first PreviousTagSize. */
export function flvFirstTagOffset(buf: Buffer): number {
  if (buf.length < HEADER_MIN_SIZE || buf.toString('latin1', 0, 3) !== 'FLV') {
    throw new FlvFileError('not an FLV file: missing the "FLV" signature');
  }
  const dataOffset = buf.readUInt32BE(5);
  if (dataOffset < HEADER_MIN_SIZE || dataOffset > buf.length) {
    throw new FlvFileError(`FLV header size ${dataOffset} is invalid`);
  }
  return dataOffset + PREVIOUS_TAG_SIZE;
}

/** Yields audio (8), video (9) and script data (18) tags; other tag types are skipped. */
export function* readFlvTags(buf: Buffer): Generator<FlvFileTag> {
  let pos = flvFirstTagOffset(buf);
  while (pos < buf.length) {
    const tag = readFlvTagHeader(buf, pos);
    if (tag === undefined) throw new FlvFileError(`truncated tag header at offset ${pos}`);
    if (tag.filtered) throw new FlvFileError(`encrypted tag at offset ${pos}`);
    if (tag.bodyEnd > buf.length) throw new FlvFileError(`truncated tag body at offset ${tag.bodyStart}`);
    const type = tag.type;
    if (type === 8 || type === 9 || type === 18)
      yield { type, timestamp: tag.timestamp, body: buf.subarray(tag.bodyStart, tag.bodyEnd) };
    // A writer killed mid-file may leave out the last PreviousTagSize; the tags before it are intact.
    pos = tag.next;
  }
}
