/**
 * An HTTP-FLV byte stream (another node's live output) → its file header and whole tags, however the
 * bytes are cut into chunks. Pure: no I/O. Bodies are views into the received chunks (no copy).
 * Bounded: a tag body is at most 16 MiB by its 24-bit size field, so at most one such tag is buffered.
 */

export class FlvStreamError extends Error {
  override readonly name = 'FlvStreamError';
}

export interface FlvStreamHeader {
  readonly audio: boolean;
  readonly video: boolean;
}

export interface FlvStreamTag {
  /** 8 audio, 9 video, 18 script data. */
  readonly type: 8 | 9 | 18;
  /** Milliseconds, with the extended byte (32 bits). */
  readonly timestamp: number;
  readonly body: Buffer;
}

const TAG_HEADER = 11;
const TAG_TRAILER = 4;
/** The spec's header is 9 bytes; a larger DataOffset is allowed but has no use past this. */
const MAX_HEADER = 1024;
const EMPTY = Buffer.alloc(0);

export class FlvTagSplitter {
  /** Known once the file header has arrived. */
  header: FlvStreamHeader | undefined;
  private rest: Buffer = EMPTY;

  /** The tags completed by `chunk`; throws FlvStreamError for bytes that are not FLV. */
  push(chunk: Buffer): FlvStreamTag[] {
    const bytes = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const tags: FlvStreamTag[] = [];
    let position = 0;
    if (this.header === undefined) {
      if (bytes.length < 9) return this.keep(bytes, 0, tags);
      if (bytes.toString('latin1', 0, 3) !== 'FLV') throw new FlvStreamError('not an FLV stream');
      const dataOffset = bytes.readUInt32BE(5);
      if (dataOffset < 9 || dataOffset > MAX_HEADER)
        throw new FlvStreamError(`FLV DataOffset ${dataOffset} out of range`);
      // The header, then PreviousTagSize0.
      if (bytes.length < dataOffset + TAG_TRAILER) return this.keep(bytes, 0, tags);
      this.header = { audio: (bytes[4]! & 4) !== 0, video: (bytes[4]! & 1) !== 0 };
      position = dataOffset + TAG_TRAILER;
    }
    while (bytes.length - position >= TAG_HEADER) {
      const type = bytes[position]! & 0x1f;
      if (type !== 8 && type !== 9 && type !== 18) throw new FlvStreamError(`FLV tag type ${type}`);
      const size = bytes.readUIntBE(position + 1, 3);
      const end = position + TAG_HEADER + size;
      if (bytes.length < end + TAG_TRAILER) break;
      const timestamp = (bytes.readUIntBE(position + 4, 3) | (bytes[position + 7]! << 24)) >>> 0;
      tags.push({ type, timestamp, body: bytes.subarray(position + TAG_HEADER, end) });
      position = end + TAG_TRAILER;
    }
    return this.keep(bytes, position, tags);
  }

  private keep(bytes: Buffer, position: number, tags: FlvStreamTag[]): FlvStreamTag[] {
    // A copy of a short rest, so it does not pin a large chunk whose tags have gone out.
    const rest = bytes.subarray(position);
    this.rest = rest.length === 0 ? EMPTY : rest.length < 4096 ? Buffer.from(rest) : rest;
    return tags;
  }
}
