/**
 * Finds the message boundaries of an RTMP chunk stream (RTMP spec 1.0 §5.3) without touching the media: the
 * Node floor receiver's `raw` mode (node-floor-main.mjs). Audio and video payloads are skipped where they
 * lie in the read buffer, only counted; the other messages (commands, control, data: a few hundred bytes a
 * push) are copied out and handed over, because the receiver must answer connect/createStream/publish and
 * obey Set Chunk Size. Its work is per chunk header (~150 a second for a 2.67 Mbps push with 4 KiB chunks),
 * not per byte, so what `raw` costs is the socket reads themselves. Plain JavaScript: the floor runs under a
 * bare `node`. chunk-walker.test.ts checks it against the project's ChunkWriter and ChunkReader.
 *
 * It reads what the bench's and ffmpeg's writers produce, not every quirk ChunkReader tolerates (an extended
 * timestamp left out of a continuation chunk); what it cannot follow it throws on, closing the connection.
 */

const MESSAGE_HEADER_SIZE = [11, 7, 3, 0];
const EXTENDED_TIMESTAMP = 0xffffff;
const DEFAULT_CHUNK_SIZE = 128;
/** Basic header (≤ 3) + message header (≤ 11) + extended timestamp (4). */
const MAX_HEADER_SIZE = 18;
const MSG_SET_CHUNK_SIZE = 1;
const MSG_AUDIO = 8;
const MSG_VIDEO = 9;
/** Largest non-media message copied out; a connect or publish command is < 4 KiB. */
export const MAX_KEPT_MESSAGE = 64 * 1024;
/** Largest chunk size a peer may set (LiveTape's default RTMP_MAX_MESSAGE_SIZE). */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;

export class ChunkWalkError extends Error {
  name = 'ChunkWalkError';
}

export class ChunkWalker {
  /** Bytes pushed, and the audio and video messages that ended in them. */
  bytes = 0;
  videoMessages = 0;
  audioMessages = 0;
  #onMessage;
  #chunkSize = DEFAULT_CHUNK_SIZE;
  /** Per chunk stream: the last header's fields and how much of its message has passed. */
  #streams = new Map();
  /** A header split across reads (< MAX_HEADER_SIZE bytes, copied). */
  #carry;
  #current;
  #currentCsid = 0;
  #chunkLeft = 0;
  #failure;

  /** @param onMessage receives every message but audio and video, as `{ csid, typeId, streamId, payload }`. */
  constructor(onMessage) {
    this.#onMessage = onMessage;
  }

  /** Walks `buf`; nothing of it is kept but a split header and the non-media messages' bytes. */
  push(buf) {
    if (this.#failure !== undefined) throw this.#failure;
    this.bytes += buf.length;
    try {
      this.#walk(buf);
    } catch (error) {
      this.#failure = error;
      throw error;
    }
  }

  #walk(buf) {
    let pos = 0;
    while (pos < buf.length) {
      if (this.#chunkLeft > 0) {
        pos = this.#payload(buf, pos);
        continue;
      }
      if (this.#carry) {
        const carried = this.#carry.length;
        const joined = Buffer.concat([this.#carry, buf.subarray(0, MAX_HEADER_SIZE)]);
        const size = this.#header(joined, 0);
        if (size < 0) {
          this.#carry = joined;
          return;
        }
        this.#carry = undefined;
        pos = size - carried;
      } else {
        const size = this.#header(buf, pos);
        if (size < 0) {
          this.#carry = Buffer.from(buf.subarray(pos));
          return;
        }
        pos += size;
      }
    }
  }

  /** Reads the chunk header at `p` and starts its chunk; -1 (and no change) when it is not all there. */
  #header(b, p) {
    const available = b.length - p;
    const fmt = b[p] >>> 6;
    let csid = b[p] & 0x3f;
    let size = 1;
    if (csid === 0) {
      if (available < 2) return -1;
      csid = b[p + 1] + 64;
      size = 2;
    } else if (csid === 1) {
      if (available < 3) return -1;
      csid = b[p + 1] + b[p + 2] * 256 + 64;
      size = 3;
    }
    const fieldsAt = p + size;
    size += MESSAGE_HEADER_SIZE[fmt];
    if (available < size) return -1;
    let s = this.#streams.get(csid);
    if (!s && fmt >= 2)
      throw new ChunkWalkError(`chunk stream ${csid}: type ${fmt} chunk without a previous header`);
    const extended = fmt < 3 ? b.readUIntBE(fieldsAt, 3) === EXTENDED_TIMESTAMP : s.extended;
    if (extended) {
      size += 4;
      if (available < size) return -1;
    }
    if (!s) {
      s = { length: 0, typeId: 0, streamId: 0, extended: false, received: 0, kept: undefined };
      this.#streams.set(csid, s);
    }
    if (fmt < 3) {
      if (s.received > 0)
        throw new ChunkWalkError(
          `chunk stream ${csid}: new message header before the previous message ended`,
        );
      s.extended = extended;
      if (fmt <= 1) {
        s.length = b.readUIntBE(fieldsAt + 3, 3);
        s.typeId = b[fieldsAt + 6];
      }
      if (fmt === 0) s.streamId = b.readUInt32LE(fieldsAt + 7);
    }
    if (s.received === 0) {
      const media = s.typeId === MSG_AUDIO || s.typeId === MSG_VIDEO;
      if (!media && s.length > MAX_KEPT_MESSAGE)
        throw new ChunkWalkError(
          `message type ${s.typeId} of ${s.length} bytes (at most ${MAX_KEPT_MESSAGE})`,
        );
      s.kept = media ? undefined : Buffer.allocUnsafe(s.length);
      if (s.length === 0) {
        this.#end(csid, s);
        return size;
      }
    }
    this.#current = s;
    this.#currentCsid = csid;
    this.#chunkLeft = Math.min(this.#chunkSize, s.length - s.received);
    return size;
  }

  #payload(buf, pos) {
    const s = this.#current;
    const take = Math.min(buf.length - pos, this.#chunkLeft);
    if (s.kept) buf.copy(s.kept, s.received, pos, pos + take);
    s.received += take;
    this.#chunkLeft -= take;
    if (s.received === s.length) this.#end(this.#currentCsid, s);
    return pos + take;
  }

  #end(csid, s) {
    s.received = 0;
    if (s.typeId === MSG_VIDEO) this.videoMessages++;
    else if (s.typeId === MSG_AUDIO) this.audioMessages++;
    else {
      const payload = s.kept;
      s.kept = undefined;
      if (s.typeId === MSG_SET_CHUNK_SIZE) {
        const chunkSize = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
        if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE)
          throw new ChunkWalkError(`Set Chunk Size ${chunkSize} outside 1..${MAX_CHUNK_SIZE}`);
        this.#chunkSize = chunkSize;
      }
      this.#onMessage({ csid, typeId: s.typeId, streamId: s.streamId, timestamp: 0, payload });
    }
  }
}
