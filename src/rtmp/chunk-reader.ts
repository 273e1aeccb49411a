/**
 * RTMP chunk stream demultiplexer (RTMP spec 1.0 §5.3): bytes in, whole messages out.
 *
 * Input may be split anywhere. Every message is copied once into a buffer of its declared length, even
 * one that sits whole inside one input: a view would keep the whole socket read alive for as long as the
 * message lives (a GOP cache holds an audio frame ~2 s). Messages up to MAX_SLAB_MESSAGE bytes are carved
 * out of a per-connection slab, so a connection allocates one ArrayBuffer per SLAB_SIZE bytes rather than
 * one per message (allocating them was the largest JavaScript item of the ingest profile, and each is
 * tracked by V8's ArrayBuffer sweeper); one stream's messages die together as its GOP cache moves on, so
 * a slab does not outlive its data by much. Memory is
 * bounded per message (maxMessageSize) and across all chunk streams with a half-built message
 * (maxInFlightBytes): both are checked on the header, before buffering.
 */
import { RtmpProtocolError } from './errors.js';
import { MSG_ABORT, MSG_SET_CHUNK_SIZE, type RtmpMessage } from './messages.js';

export type { RtmpMessage } from './messages.js';

export interface ChunkReaderOptions {
  /** Largest message length accepted in a chunk header. */
  maxMessageSize: number;
  /** Largest chunk size a peer may set with Set Chunk Size. */
  maxChunkSize: number;
  /** Total declared length of all messages being assembled at once; default 4 × maxMessageSize. */
  maxInFlightBytes?: number;
  /**
   * Most chunk stream ids a peer may use (each keeps a header's state for the whole connection);
   * unlimited by default. Encoders use a handful; the protocol allows 65,599.
   */
  maxChunkStreams?: number;
  /** Called for every complete message, protocol control messages included, in arrival order. */
  onMessage: (m: RtmpMessage) => void;
  /** Called when an Abort message drops a partly received message on chunk stream `csid`. */
  onAbort?: (csid: number) => void;
}

/** Per chunk stream: the last header seen (later headers are deltas of it) and the message in progress. */
interface ChunkStream {
  timestamp: number;
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The last type 0/1/2 header carried an extended timestamp, so type 3 chunks may repeat it. */
  extended: boolean;
  /** That extended field's value, to recognise it when repeated on a continuation chunk. */
  extendedField: number;
  /** Payload bytes of the current message received so far; 0 between messages. */
  received: number;
  /** Destination of a message that does not arrive in one piece. */
  assembly: Buffer | undefined;
}

const DEFAULT_CHUNK_SIZE = 128;
/** Basic header (≤ 3) + message header (≤ 11) + extended timestamp (4). */
const MAX_HEADER_SIZE = 18;
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;
const EXTENDED_TIMESTAMP = 0xffffff;
const EMPTY = Buffer.alloc(0);
/** Size of the buffers a connection's messages are carved from. */
const SLAB_SIZE = 128 * 1024;
/** Larger messages (keyframes) get a buffer of their own: a slab is shared by many small messages. */
const MAX_SLAB_MESSAGE = 32 * 1024;

export class ChunkReader {
  private readonly maxMessageSize: number;
  private readonly maxChunkSize: number;
  /** May change during a connection: the session allows more once the peer is authorized. */
  maxInFlightBytes: number;
  private readonly maxChunkStreams: number;
  private readonly onMessage: (m: RtmpMessage) => void;
  private readonly onAbort: ((csid: number) => void) | undefined;

  private chunkSize = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ChunkStream>();
  private received = 0;
  private inFlight = 0;
  /** Start of a header split across inputs (< MAX_HEADER_SIZE bytes, copied). */
  private carry: Buffer | undefined;
  /** Chunk whose payload is being read, and how much of it is left. */
  private current: ChunkStream | undefined;
  private currentCsid = 0;
  private chunkRemaining = 0;
  /** Where the next small message is carved from, and how much of it is taken. */
  private slab = EMPTY;
  private slabUsed = 0;
  /** Set once anything throws: the stream position is lost, so later input cannot be trusted. */
  private failure: unknown;

  // The header being parsed. Fields rather than a returned object: this runs once per chunk.
  private hFmt = 0;
  private hCsid = 0;
  private hTimestamp = 0;
  private hLength = 0;
  private hTypeId = 0;
  private hStreamId = 0;
  private hExtended = false;

  constructor(options: ChunkReaderOptions) {
    this.maxMessageSize = options.maxMessageSize;
    this.maxChunkSize = options.maxChunkSize;
    this.maxInFlightBytes = options.maxInFlightBytes ?? 4 * options.maxMessageSize;
    this.maxChunkStreams = options.maxChunkStreams ?? Number.POSITIVE_INFINITY;
    this.onMessage = options.onMessage;
    this.onAbort = options.onAbort;
  }

  /** Total bytes pushed, for acknowledgements. */
  get bytesReceived(): number {
    return this.received;
  }

  /** Declared length of the messages currently being assembled. */
  get inFlightBytes(): number {
    return this.inFlight;
  }

  /**
   * Consumes `buf`. Messages are delivered synchronously in buffers of their own, so the caller may
   * reuse `buf` afterwards. Throws RtmpProtocolError on any violation, after which the reader is
   * unusable (as it is after onMessage throws).
   */
  push(buf: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    this.received += buf.length;
    try {
      this.consume(buf);
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  private consume(buf: Buffer): void {
    let pos = 0;
    while (pos < buf.length) {
      if (this.chunkRemaining > 0) {
        pos = this.readPayload(buf, pos);
        continue;
      }
      if (this.carry) {
        // pos is 0 here: a carry only remains when the previous input ended inside a header.
        const carried = this.carry.length;
        const joined = Buffer.concat([this.carry, buf.subarray(0, MAX_HEADER_SIZE)]);
        const headerSize = this.parseHeader(joined, 0);
        if (headerSize < 0) {
          this.carry = joined;
          return;
        }
        this.carry = undefined;
        pos = headerSize - carried;
      } else {
        const headerSize = this.parseHeader(buf, pos);
        if (headerSize < 0) {
          this.carry = Buffer.from(buf.subarray(pos));
          return;
        }
        pos += headerSize;
      }
      this.beginChunk();
    }
  }

  /**
   * Reads a chunk header at `p` into the h* fields without changing any state, so an incomplete
   * header can simply be parsed again later. Returns its size, or -1 if more bytes are needed.
   */
  private parseHeader(b: Buffer, p: number): number {
    const available = b.length - p;
    const first = b[p]!;
    const fmt = first >>> 6;
    let csid = first & 0x3f;
    let size = 1;
    if (csid === 0) {
      if (available < 2) return -1;
      csid = b[p + 1]! + 64;
      size = 2;
    } else if (csid === 1) {
      if (available < 3) return -1;
      csid = b[p + 1]! + b[p + 2]! * 256 + 64;
      size = 3;
    }
    const fieldsAt = p + size;
    size += MESSAGE_HEADER_SIZE[fmt as 0 | 1 | 2 | 3];
    if (available < size) return -1;
    this.hFmt = fmt;
    this.hCsid = csid;
    this.hExtended = false;
    if (fmt === 3) {
      const stream = this.streams.get(csid);
      if (!stream)
        throw new RtmpProtocolError(`chunk stream ${csid}: type 3 chunk without a previous header`);
      if (!stream.extended) return size;
      if (available < size + 4) return -1;
      const field = b.readUInt32BE(p + size);
      // The spec repeats the extended timestamp on every type 3 chunk, and ffmpeg and librtmp do;
      // some encoders leave it out of continuation chunks, where only a repeat of the value is taken.
      if (stream.received > 0 && field !== stream.extendedField) return size;
      this.hExtended = true;
      this.hTimestamp = field;
      return size + 4;
    }
    this.hTimestamp = b.readUIntBE(fieldsAt, 3);
    if (fmt <= 1) {
      this.hLength = b.readUIntBE(fieldsAt + 3, 3);
      this.hTypeId = b[fieldsAt + 6]!;
    }
    if (fmt === 0) this.hStreamId = b.readUInt32LE(fieldsAt + 7);
    if (this.hTimestamp !== EXTENDED_TIMESTAMP) return size;
    if (available < size + 4) return -1;
    this.hExtended = true;
    this.hTimestamp = b.readUInt32BE(p + size);
    return size + 4;
  }

  /** Applies the parsed header to its chunk stream and sets up reading the chunk's payload. */
  private beginChunk(): void {
    const fmt = this.hFmt;
    const csid = this.hCsid;
    let s = this.streams.get(csid);
    if (!s) {
      // librtmp sends its first control messages on chunk stream 2 with a type 1 header, relying
      // on a zeroed previous header (stream 0, timestamp 0); type 2 and 3 have nothing to go on.
      if (fmt >= 2)
        throw new RtmpProtocolError(`chunk stream ${csid}: type ${fmt} chunk without a previous header`);
      if (this.streams.size >= this.maxChunkStreams)
        throw new RtmpProtocolError(`more than ${this.maxChunkStreams} chunk streams on one connection`);
      s = {
        timestamp: 0,
        delta: 0,
        length: 0,
        typeId: 0,
        streamId: 0,
        extended: false,
        extendedField: 0,
        received: 0,
        assembly: undefined,
      };
      this.streams.set(csid, s);
    }
    if (fmt < 3) {
      if (s.received > 0) {
        throw new RtmpProtocolError(
          `chunk stream ${csid}: new message header before the previous message ended`,
        );
      }
      s.extended = this.hExtended;
      s.extendedField = this.hTimestamp;
      s.delta = this.hTimestamp;
      // A type 0 timestamp is absolute; a type 3 chunk that follows uses it as its delta (§5.3.1.2.4).
      s.timestamp = fmt === 0 ? this.hTimestamp : (s.timestamp + this.hTimestamp) >>> 0;
      if (fmt <= 1) {
        s.length = this.hLength;
        s.typeId = this.hTypeId;
      }
      if (fmt === 0) s.streamId = this.hStreamId;
    } else if (s.received === 0) {
      // A type 3 chunk that starts a message repeats the previous delta (or states it, when extended).
      if (this.hExtended) {
        s.delta = this.hTimestamp;
        s.extendedField = this.hTimestamp;
      }
      s.timestamp = (s.timestamp + s.delta) >>> 0;
    }
    if (s.received === 0) {
      if (s.length > this.maxMessageSize) {
        throw new RtmpProtocolError(
          `chunk stream ${csid}: message length ${s.length} exceeds the limit of ${this.maxMessageSize}`,
        );
      }
      if (s.length === 0) {
        this.deliver(csid, s, EMPTY);
        return;
      }
    }
    this.current = s;
    this.currentCsid = csid;
    this.chunkRemaining = Math.min(this.chunkSize, s.length - s.received);
  }

  private readPayload(buf: Buffer, pos: number): number {
    const s = this.current!;
    const take = Math.min(buf.length - pos, this.chunkRemaining);
    const end = pos + take;
    this.chunkRemaining -= take;
    if (!s.assembly) {
      if (this.inFlight + s.length > this.maxInFlightBytes) {
        throw new RtmpProtocolError(
          `messages being assembled would exceed ${this.maxInFlightBytes} bytes (chunk stream ${this.currentCsid})`,
        );
      }
      this.inFlight += s.length;
      s.assembly = this.allocate(s.length);
    }
    buf.copy(s.assembly, s.received, pos, end);
    s.received += take;
    if (s.received === s.length) {
      const payload = s.assembly;
      this.dropPartial(s);
      this.deliver(this.currentCsid, s, payload);
    }
    return end;
  }

  private allocate(length: number): Buffer {
    if (length > MAX_SLAB_MESSAGE) return Buffer.allocUnsafeSlow(length);
    if (this.slabUsed + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.slabUsed = 0;
    }
    const buf = this.slab.subarray(this.slabUsed, this.slabUsed + length);
    this.slabUsed += (length + 7) & ~7; // keep every message 8-byte aligned, as Buffer's own pool does
    return buf;
  }

  private dropPartial(s: ChunkStream): void {
    if (s.assembly) this.inFlight -= s.length;
    s.assembly = undefined;
    s.received = 0;
  }

  /** Protocol control messages that change how chunks are read take effect before delivery. */
  private deliver(csid: number, s: ChunkStream, payload: Buffer): void {
    if (s.typeId === MSG_SET_CHUNK_SIZE) {
      const size = this.controlValue(payload, 'Set Chunk Size') & 0x7fffffff;
      if (size === 0 || size > this.maxChunkSize) {
        throw new RtmpProtocolError(`Set Chunk Size ${size} outside 1..${this.maxChunkSize}`);
      }
      this.chunkSize = size;
    } else if (s.typeId === MSG_ABORT) {
      const target = this.controlValue(payload, 'Abort');
      const aborted = this.streams.get(target);
      if (aborted && aborted.received > 0) {
        this.dropPartial(aborted);
        this.onAbort?.(target);
      }
    }
    this.onMessage({ csid, typeId: s.typeId, streamId: s.streamId, timestamp: s.timestamp, payload });
  }

  private controlValue(payload: Buffer, what: string): number {
    if (payload.length < 4) throw new RtmpProtocolError(`${what} message shorter than 4 bytes`);
    return payload.readUInt32BE(0);
  }
}
