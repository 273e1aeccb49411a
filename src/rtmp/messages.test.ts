import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAmf0 } from '../amf/amf0.js';
import { RtmpProtocolError } from './errors.js';
import {
  ack,
  command,
  data,
  MSG_AGGREGATE,
  MSG_AUDIO,
  MSG_COMMAND_AMF3,
  MSG_DATA_AMF3,
  MSG_VIDEO,
  parseCommand,
  parseData,
  parseSetPeerBandwidth,
  parseUserControl,
  pingRequest,
  type RtmpMessage,
  readUint32,
  setBufferLength,
  setChunkSize,
  setPeerBandwidth,
  splitAggregate,
  streamBegin,
  UC_PING_REQUEST,
  UC_SET_BUFFER_LENGTH,
  UC_STREAM_BEGIN,
  windowAckSize,
} from './messages.js';

const message = (typeId: number, payload: Buffer, timestamp = 0): RtmpMessage => ({
  csid: 3,
  typeId,
  streamId: 1,
  timestamp,
  payload,
});

/** One FLV-style sub-message of an aggregate: tag header, body, back pointer. */
function subTag(type: number, timestamp: number, body: Buffer, backPointer = true): Buffer {
  const h = Buffer.alloc(11);
  h[0] = type;
  h.writeUIntBE(body.length, 1, 3);
  h.writeUIntBE(timestamp & 0xffffff, 4, 3);
  h[7] = timestamp >>> 24;
  const back = Buffer.alloc(backPointer ? 4 : 0);
  if (backPointer) back.writeUInt32BE(11 + body.length);
  return Buffer.concat([h, body, back]);
}

describe('RTMP messages', () => {
  it('builds protocol control and user control messages', () => {
    expect(setChunkSize(4096)).toEqual({
      csid: 2,
      typeId: 1,
      streamId: 0,
      timestamp: 0,
      payload: Buffer.from('00001000', 'hex'),
    });
    expect(setChunkSize(2 ** 31 + 5).payload.toString('hex')).toBe('00000005'); // 31-bit field
    expect(ack(2 ** 32 + 7).payload.toString('hex')).toBe('00000007');
    expect(readUint32(windowAckSize(2_500_000))).toBe(2_500_000);
    expect(parseSetPeerBandwidth(setPeerBandwidth(2_500_000, 2))).toEqual({ size: 2_500_000, limitType: 2 });
    expect(parseUserControl(streamBegin(1))).toEqual({ type: UC_STREAM_BEGIN, value: 1 });
    expect(parseUserControl(pingRequest(123))).toEqual({ type: UC_PING_REQUEST, value: 123 });
    expect(parseUserControl(setBufferLength(1, 3000))).toEqual({
      type: UC_SET_BUFFER_LENGTH,
      value: 1,
      bufferLength: 3000,
    });
  });

  it('round-trips commands and data messages', () => {
    const cmd = command('onStatus', 0, null, [{ level: 'status', code: 'NetStream.Publish.Start' }], 1, 5);
    expect(cmd).toMatchObject({ csid: 5, typeId: 20, streamId: 1 });
    expect(parseCommand(cmd)).toEqual({
      name: 'onStatus',
      transactionId: 0,
      commandObject: null,
      args: [{ level: 'status', code: 'NetStream.Publish.Start' }],
    });
    const meta = data(['@setDataFrame', 'onMetaData', { width: 320 }], 1);
    expect(meta.payload[3 + '@setDataFrame'.length + 3 + 'onMetaData'.length]).toBe(0x08); // ECMA array
    expect(parseData(meta)).toEqual(['@setDataFrame', 'onMetaData', { width: 320 }]);
  });

  it('parses AMF3 commands and data (format byte 0, then AMF0)', () => {
    const body = encodeAmf0(['connect', 1, { app: 'live' }]);
    expect(parseCommand(message(MSG_COMMAND_AMF3, Buffer.concat([Buffer.of(0), body])))).toMatchObject({
      name: 'connect',
      transactionId: 1,
      commandObject: { app: 'live' },
    });
    expect(parseData(message(MSG_DATA_AMF3, Buffer.concat([Buffer.of(0), encodeAmf0(['x'])])))).toEqual([
      'x',
    ]);
    expect(() => parseCommand(message(MSG_COMMAND_AMF3, body))).toThrow(RtmpProtocolError);
  });

  it('reports malformed commands and control messages as RtmpProtocolError', () => {
    expect(() => parseCommand(message(20, encodeAmf0([1, 2])))).toThrow(/name/);
    expect(() => parseCommand(message(20, Buffer.from('02ff', 'hex')))).toThrow(RtmpProtocolError);
    expect(() => parseCommand(message(MSG_VIDEO, Buffer.alloc(0)))).toThrow(RtmpProtocolError);
    expect(() => readUint32(message(1, Buffer.alloc(3)))).toThrow(RtmpProtocolError);
    expect(() => parseUserControl(message(4, Buffer.from('000300000001', 'hex')))).toThrow(RtmpProtocolError);
  });

  it('splits aggregates, rebasing sub-message timestamps on the aggregate timestamp', () => {
    const payload = Buffer.concat([
      subTag(MSG_VIDEO, 0x01000000, Buffer.from('v1')),
      subTag(MSG_AUDIO, 0x01000010, Buffer.from('a1')),
      subTag(MSG_VIDEO, 0x01000021, Buffer.from('v2'), false), // last back pointer left out
    ]);
    const subs = splitAggregate(message(MSG_AGGREGATE, payload, 5000));
    expect(subs.map((m) => [m.typeId, m.timestamp, m.streamId, m.payload.toString()])).toEqual([
      [MSG_VIDEO, 5000, 1, 'v1'],
      [MSG_AUDIO, 5016, 1, 'a1'],
      [MSG_VIDEO, 5033, 1, 'v2'],
    ]);
    expect(subs[0]!.payload.buffer).toBe(payload.buffer);
  });

  it('splits arbitrary aggregate payloads or throws RtmpProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const payload = Buffer.from(bytes);
        try {
          const subs = splitAggregate(message(MSG_AGGREGATE, payload));
          expect(subs.reduce((n, m) => n + 11 + m.payload.length, 0)).toBeLessThanOrEqual(payload.length);
        } catch (e) {
          expect(e).toBeInstanceOf(RtmpProtocolError);
        }
      }),
      { numRuns: 3000 },
    );
    expect(() => splitAggregate(message(MSG_AGGREGATE, subTag(MSG_AGGREGATE, 0, Buffer.alloc(1))))).toThrow(
      /nested/,
    );
  });
});
