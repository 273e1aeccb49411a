/**
 * RTMP chunk stream multiplexer (RTMP spec 1.0 §5.3): one message in, the header and payload
 * pieces to write out. Payloads are never copied: the output interleaves small header buffers with
 * views of the payload, ready for `socket.cork(); for (b of bufs) socket.write(b); socket.uncork()`.
 */
import type { OutgoingMessage } from './messages.js';

/** Last header sent on a chunk stream: the next message's header is compressed against it. */
interface SentHeader {
  timestamp: number;
  length: number;
  typeId: number;
  streamId: number;
}

const DEFAULT_CHUNK_SIZE = 128;
const MAX_CHUNK_SIZE = 0x7fffffff;
const MAX_MESSAGE_LENGTH = 0xffffff;
const MAX_CSID = 65599;
const EXTENDED_TIMESTAMP = 0xffffff;
const MESSAGE_HEADER_SIZE = [11, 7, 3] as const;

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

function writeBasicHeader(b: Buffer, at: number, fmt: number, csid: number): number {
  if (csid < 64) {
    b[at] = (fmt << 6) | csid;
    return at + 1;
  }
  if (csid < 320) {
    b[at] = fmt << 6;
    b[at + 1] = csid - 64;
    return at + 2;
  }
  b[at] = (fmt << 6) | 1;
  b.writeUInt16LE(csid - 64, at + 1);
  return at + 3;
}

/**
 * Every encoded message must be written, in order: later headers are deltas against earlier ones,
 * exactly as the peer's reader will decode them.
 */
export class ChunkWriter {
  private size = DEFAULT_CHUNK_SIZE;
  private readonly sent = new Map<number, SentHeader>();

  get chunkSize(): number {
    return this.size;
  }

  set chunkSize(size: number) {
    this.setChunkSize(size);
  }

  /** Call after encoding the Set Chunk Size message that tells the peer: it applies to what follows. */
  setChunkSize(size: number): void {
    if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
      throw new RangeError(`chunk size ${size} outside 1..${MAX_CHUNK_SIZE}`);
    }
    this.size = size;
  }

  encode(m: OutgoingMessage): Buffer[] {
    const { csid, typeId, streamId, timestamp, payload } = m;
    const length = payload.length;
    if (!Number.isInteger(csid) || csid < 2 || csid > MAX_CSID)
      throw new RangeError(`csid ${csid} outside 2..${MAX_CSID}`);
    if (length > MAX_MESSAGE_LENGTH)
      throw new RangeError(`message of ${length} bytes exceeds the 24-bit length field`);
    if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp > 0xffffffff) {
      throw new RangeError(`timestamp ${timestamp} is not a uint32`);
    }

    // Type 1/2 headers carry a delta from the previous message on the same chunk stream; a new
    // stream id or a timestamp going backwards needs a full type 0 header.
    const prev = this.sent.get(csid);
    let fmt: 0 | 1 | 2 = 0;
    let field = timestamp;
    if (prev && prev.streamId === streamId && timestamp >= prev.timestamp) {
      fmt = prev.length === length && prev.typeId === typeId ? 2 : 1;
      field = timestamp - prev.timestamp;
    }
    if (prev) {
      prev.timestamp = timestamp;
      prev.length = length;
      prev.typeId = typeId;
      prev.streamId = streamId;
    } else {
      this.sent.set(csid, { timestamp, length, typeId, streamId });
    }

    const extended = field >= EXTENDED_TIMESTAMP;
    const basicSize = basicHeaderSize(csid);
    const firstSize = basicSize + MESSAGE_HEADER_SIZE[fmt] + (extended ? 4 : 0);
    // Continuation chunks are type 3 and repeat the extended timestamp, as ffmpeg and librtmp expect.
    const continuationSize = basicSize + (extended ? 4 : 0);
    const chunks = Math.max(1, Math.ceil(length / this.size));
    const headers = Buffer.allocUnsafe(firstSize + (chunks - 1) * continuationSize);

    let at = writeBasicHeader(headers, 0, fmt, csid);
    headers.writeUIntBE(extended ? EXTENDED_TIMESTAMP : field, at, 3);
    if (fmt <= 1) {
      headers.writeUIntBE(length, at + 3, 3);
      headers[at + 6] = typeId;
    }
    if (fmt === 0) headers.writeUInt32LE(streamId, at + 7);
    at += MESSAGE_HEADER_SIZE[fmt];
    if (extended) at = headers.writeUInt32BE(field, at);

    const out: Buffer[] = [headers.subarray(0, at)];
    let offset = Math.min(this.size, length);
    if (length > 0) out.push(payload.subarray(0, offset));
    while (offset < length) {
      const start = at;
      at = writeBasicHeader(headers, at, 3, csid);
      if (extended) at = headers.writeUInt32BE(field, at);
      out.push(headers.subarray(start, at));
      const end = Math.min(offset + this.size, length);
      out.push(payload.subarray(offset, end));
      offset = end;
    }
    return out;
  }
}
