/**
 * RTMP message types (RTMP spec 1.0 §5.4, §6, §7), builders for the messages a server or client
 * sends, and parsers for the ones it receives. Pure: bytes in, values out.
 */
import { AmfError, type AmfValue, decodeAmf0, encodeAmf0 } from '../amf/amf0.js';
import { RtmpProtocolError } from './errors.js';

export interface RtmpMessage {
  csid: number;
  typeId: number;
  streamId: number;
  /** Absolute timestamp in ms as a uint32: wraps after ~49.7 days, unwrapped by the media layer. */
  timestamp: number;
  payload: Buffer;
}

/** A message as handed to ChunkWriter.encode(): the same fields as a received one. */
export type OutgoingMessage = RtmpMessage;

// Message type ids (§5.4, §7.1).
export const MSG_SET_CHUNK_SIZE = 1;
export const MSG_ABORT = 2;
export const MSG_ACK = 3;
export const MSG_USER_CONTROL = 4;
export const MSG_WINDOW_ACK_SIZE = 5;
export const MSG_SET_PEER_BANDWIDTH = 6;
export const MSG_AUDIO = 8;
export const MSG_VIDEO = 9;
export const MSG_DATA_AMF3 = 15;
export const MSG_SHARED_OBJECT_AMF3 = 16;
export const MSG_COMMAND_AMF3 = 17;
export const MSG_DATA_AMF0 = 18;
export const MSG_SHARED_OBJECT_AMF0 = 19;
export const MSG_COMMAND_AMF0 = 20;
export const MSG_AGGREGATE = 22;

// User Control event types (§7.1.7).
export const UC_STREAM_BEGIN = 0;
export const UC_STREAM_EOF = 1;
export const UC_STREAM_DRY = 2;
export const UC_SET_BUFFER_LENGTH = 3;
export const UC_STREAM_IS_RECORDED = 4;
export const UC_PING_REQUEST = 6;
export const UC_PING_RESPONSE = 7;

// Set Peer Bandwidth limit types (§5.4.5).
export const LIMIT_HARD = 0;
export const LIMIT_SOFT = 1;
export const LIMIT_DYNAMIC = 2;

// Chunk stream ids by convention (ffmpeg and FMS split them this way): control on 2 as the spec
// requires, the rest apart so audio and video never wait behind each other's chunks.
export const CSID_CONTROL = 2;
export const CSID_COMMAND = 3;
export const CSID_AUDIO = 4;
export const CSID_DATA = 5;
export const CSID_VIDEO = 6;

function control(typeId: number, payload: Buffer): RtmpMessage {
  return { csid: CSID_CONTROL, typeId, streamId: 0, timestamp: 0, payload };
}

function uint32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** The chunk size field is 31 bits (§5.4.1). */
export function setChunkSize(size: number): RtmpMessage {
  return control(MSG_SET_CHUNK_SIZE, uint32(size & 0x7fffffff));
}

/** `sequence` is the byte count received so far; it wraps at 2^32. */
export function ack(sequence: number): RtmpMessage {
  return control(MSG_ACK, uint32(sequence));
}

export function windowAckSize(size: number): RtmpMessage {
  return control(MSG_WINDOW_ACK_SIZE, uint32(size));
}

export function setPeerBandwidth(size: number, limitType: number): RtmpMessage {
  const payload = Buffer.allocUnsafe(5);
  payload.writeUInt32BE(size >>> 0);
  payload[4] = limitType;
  return control(MSG_SET_PEER_BANDWIDTH, payload);
}

function userControl(eventType: number, value: number, extra?: number): RtmpMessage {
  const payload = Buffer.allocUnsafe(extra === undefined ? 6 : 10);
  payload.writeUInt16BE(eventType);
  payload.writeUInt32BE(value >>> 0, 2);
  if (extra !== undefined) payload.writeUInt32BE(extra >>> 0, 6);
  return control(MSG_USER_CONTROL, payload);
}

export function streamBegin(streamId: number): RtmpMessage {
  return userControl(UC_STREAM_BEGIN, streamId);
}

export function streamEof(streamId: number): RtmpMessage {
  return userControl(UC_STREAM_EOF, streamId);
}

export function setBufferLength(streamId: number, milliseconds: number): RtmpMessage {
  return userControl(UC_SET_BUFFER_LENGTH, streamId, milliseconds);
}

export function pingRequest(timestamp: number): RtmpMessage {
  return userControl(UC_PING_REQUEST, timestamp);
}

export function pingResponse(timestamp: number): RtmpMessage {
  return userControl(UC_PING_RESPONSE, timestamp);
}

/** An AMF0 command (type 20): `[name, transactionId, commandObject, ...args]`. */
export function command(
  name: string,
  transactionId: number,
  commandObject: AmfValue,
  args: readonly AmfValue[] = [],
  streamId = 0,
  csid = CSID_COMMAND,
): RtmpMessage {
  return {
    csid,
    typeId: MSG_COMMAND_AMF0,
    streamId,
    timestamp: 0,
    payload: encodeAmf0([name, transactionId, commandObject, ...args]),
  };
}

/** An AMF0 data message (type 18); top-level objects go out as ECMA arrays, as onMetaData expects. */
export function data(values: readonly AmfValue[], streamId: number, csid = CSID_DATA): RtmpMessage {
  return {
    csid,
    typeId: MSG_DATA_AMF0,
    streamId,
    timestamp: 0,
    payload: encodeAmf0(values, { ecmaArrays: true }),
  };
}

export interface RtmpCommand {
  name: string;
  transactionId: number;
  commandObject: AmfValue;
  args: AmfValue[];
}

/**
 * Decodes an AMF payload. Type 15 and 17 (the "AMF3" variants) carry one format byte, 0, and then
 * AMF0 values that may switch to AMF3 per value.
 */
function decodeAmfPayload(m: RtmpMessage, amf3TypeId: number): AmfValue[] {
  let payload = m.payload;
  if (m.typeId === amf3TypeId) {
    if (payload.length === 0 || payload[0] !== 0) {
      throw new RtmpProtocolError(`message type ${m.typeId} must start with format byte 0`);
    }
    payload = payload.subarray(1);
  }
  try {
    return decodeAmf0(payload);
  } catch (e) {
    if (e instanceof AmfError)
      throw new RtmpProtocolError(`bad AMF in message type ${m.typeId}: ${e.message}`);
    throw e;
  }
}

/** Parses a command message of type 20 or 17. */
export function parseCommand(m: RtmpMessage): RtmpCommand {
  if (m.typeId !== MSG_COMMAND_AMF0 && m.typeId !== MSG_COMMAND_AMF3) {
    throw new RtmpProtocolError(`message type ${m.typeId} is not a command`);
  }
  const [name, transactionId = 0, commandObject = null, ...args] = decodeAmfPayload(m, MSG_COMMAND_AMF3);
  if (typeof name !== 'string') throw new RtmpProtocolError('command name is not a string');
  if (typeof transactionId !== 'number')
    throw new RtmpProtocolError('command transaction id is not a number');
  return { name, transactionId, commandObject, args };
}

/** Parses a data message of type 18 or 15 into its AMF values (e.g. `@setDataFrame`, `onMetaData`, {…}). */
export function parseData(m: RtmpMessage): AmfValue[] {
  if (m.typeId !== MSG_DATA_AMF0 && m.typeId !== MSG_DATA_AMF3) {
    throw new RtmpProtocolError(`message type ${m.typeId} is not a data message`);
  }
  return decodeAmfPayload(m, MSG_DATA_AMF3);
}

/** The 4-byte big-endian value that Set Chunk Size, Abort, Ack and Window Ack Size carry. */
export function readUint32(m: RtmpMessage): number {
  if (m.payload.length < 4) throw new RtmpProtocolError(`message type ${m.typeId} shorter than 4 bytes`);
  return m.payload.readUInt32BE(0);
}

export function parseSetPeerBandwidth(m: RtmpMessage): { size: number; limitType: number } {
  if (m.payload.length < 5) throw new RtmpProtocolError('Set Peer Bandwidth shorter than 5 bytes');
  return { size: m.payload.readUInt32BE(0), limitType: m.payload[4]! };
}

export interface UserControl {
  /** One of the UC_* event types. */
  type: number;
  /** Stream id for the stream events, timestamp for ping request/response. */
  value: number;
  /** Set Buffer Length only: the client's buffer in ms. */
  bufferLength?: number;
}

export function parseUserControl(m: RtmpMessage): UserControl {
  const p = m.payload;
  if (p.length < 6) throw new RtmpProtocolError('User Control message shorter than 6 bytes');
  const event: UserControl = { type: p.readUInt16BE(0), value: p.readUInt32BE(2) };
  if (event.type === UC_SET_BUFFER_LENGTH) {
    if (p.length < 10) throw new RtmpProtocolError('Set Buffer Length shorter than 10 bytes');
    event.bufferLength = p.readUInt32BE(6);
  }
  return event;
}

/** FLV tag header (11 bytes) and back pointer (4 bytes) around each aggregate sub-message. */
const TAG_HEADER_SIZE = 11;
const BACK_POINTER_SIZE = 4;

/**
 * Splits an aggregate message (type 22): FLV-style tags whose timestamps are rebased so the first
 * sub-message lands on the aggregate's own timestamp. Payloads are views of the aggregate payload.
 */
export function splitAggregate(m: RtmpMessage): RtmpMessage[] {
  const p = m.payload;
  const messages: RtmpMessage[] = [];
  let base: number | undefined;
  let pos = 0;
  while (pos < p.length) {
    if (p.length - pos < TAG_HEADER_SIZE)
      throw new RtmpProtocolError('aggregate: truncated sub-message header');
    const typeId = p[pos]!;
    const size = p.readUIntBE(pos + 1, 3);
    const tagTimestamp = (p.readUIntBE(pos + 4, 3) | (p[pos + 7]! << 24)) >>> 0;
    const bodyStart = pos + TAG_HEADER_SIZE;
    if (p.length - bodyStart < size) throw new RtmpProtocolError('aggregate: truncated sub-message body');
    if (typeId === MSG_AGGREGATE) throw new RtmpProtocolError('aggregate: nested aggregate message');
    base ??= tagTimestamp;
    messages.push({
      csid: m.csid,
      typeId,
      streamId: m.streamId,
      timestamp: (m.timestamp + tagTimestamp - base) >>> 0,
      payload: p.subarray(bodyStart, bodyStart + size),
    });
    // The back pointer after the last sub-message is sometimes left out.
    pos = Math.min(bodyStart + size + BACK_POINTER_SIZE, p.length);
  }
  return messages;
}
