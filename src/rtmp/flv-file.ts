/**
 * Walks the tags of a whole FLV file held in memory (FLV spec 10.1, Annex E): the 9-byte header,
 * then PreviousTagSize fields around 11-byte tag headers. Used to replay ffmpeg-made FLV files over
 * RTMP in tests and benchmarks; tag bodies are views of the input, not copies.
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

/** Yields audio (8), video (9) and script data (18) tags; other tag types are skipped. */
export function* readFlvTags(buf: Buffer): Generator<FlvFileTag> {
  if (buf.length < HEADER_MIN_SIZE || buf.toString('latin1', 0, 3) !== 'FLV') {
    throw new FlvFileError('not an FLV file: missing the "FLV" signature');
  }
  const dataOffset = buf.readUInt32BE(5);
  if (dataOffset < HEADER_MIN_SIZE || dataOffset > buf.length) {
    throw new FlvFileError(`FLV header size ${dataOffset} is invalid`);
  }
  let pos = dataOffset + PREVIOUS_TAG_SIZE;
  while (pos < buf.length) {
    if (buf.length - pos < TAG_HEADER_SIZE) throw new FlvFileError(`truncated tag header at offset ${pos}`);
    const typeByte = buf[pos]!;
    if ((typeByte & FILTER_BIT) !== 0) throw new FlvFileError(`encrypted tag at offset ${pos}`);
    const size = buf.readUIntBE(pos + 1, 3);
    const timestamp = (buf.readUIntBE(pos + 4, 3) | (buf[pos + 7]! << 24)) >>> 0;
    const bodyStart = pos + TAG_HEADER_SIZE;
    const bodyEnd = bodyStart + size;
    if (bodyEnd > buf.length) throw new FlvFileError(`truncated tag body at offset ${bodyStart}`);
    const type = typeByte & 0x1f;
    if (type === 8 || type === 9 || type === 18)
      yield { type, timestamp, body: buf.subarray(bodyStart, bodyEnd) };
    // A writer killed mid-file may leave out the last PreviousTagSize; the tags before it are intact.
    pos = bodyEnd + PREVIOUS_TAG_SIZE;
  }
}
