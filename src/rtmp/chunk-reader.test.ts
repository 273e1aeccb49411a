import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cutsArb,
  interleavedChunks,
  splitAt,
  writtenWithChunkSizes,
} from '../../test/helpers/rtmp-chunk-streams.js';
import { ChunkReader, type ChunkReaderOptions, type RtmpMessage } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { RtmpProtocolError } from './errors.js';
import { MSG_ABORT, MSG_VIDEO, setChunkSize } from './messages.js';

function reader(options: Partial<ChunkReaderOptions> = {}) {
  const messages: RtmpMessage[] = [];
  const aborted: number[] = [];
  const r = new ChunkReader({
    maxMessageSize: 1 << 20,
    maxChunkSize: 1 << 20,
    onMessage: (m) => messages.push(m),
    onAbort: (csid) => aborted.push(csid),
    ...options,
  });
  return { r, messages, aborted };
}

function payload(length: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const messageArb = fc
  .record({
    csid: fc.constantFrom(3, 4, 6, 63, 64, 319, 320, 65599),
    typeId: fc.integer({ min: 3, max: 30 }),
    streamId: fc.constantFrom(0, 1, 0xfffffffe),
    timestamp: fc.oneof(
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 0xfffff0, max: 0x1000010 }),
      fc.integer({ min: 0, max: 0xffffffff }),
    ),
    length: fc.oneof(fc.constantFrom(0, 1, 127, 128, 129, 4096), fc.nat(3000)),
    seed: fc.nat(255),
  })
  .map(({ length, seed, ...m }): RtmpMessage => ({ ...m, payload: payload(length, seed) }));

describe('ChunkReader', () => {
  it('reassembles whatever ChunkWriter wrote, across chunk size changes and arbitrary splits', () => {
    const opArb = fc.oneof(
      { weight: 5, arbitrary: messageArb },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }) },
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 25 }), cutsArb, (ops, cuts) => {
        const { bytes, sent: expected } = writtenWithChunkSizes(ops);
        const { r, messages } = reader();
        for (const piece of splitAt(bytes, cuts)) r.push(piece);
        expect(messages).toEqual(expected);
        expect(r.inFlightBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reassembles messages whose chunks interleave across chunk streams', () => {
    fc.assert(
      fc.property(
        fc.array(messageArb, { maxLength: 20 }),
        fc.integer({ min: 1, max: 400 }),
        fc.array(fc.nat(), { maxLength: 2000 }),
        cutsArb,
        (sent, chunkSize, picks, cuts) => {
          const { bytes, csids } = interleavedChunks(sent, chunkSize, picks);
          const { r, messages } = reader();
          for (const piece of splitAt(bytes, cuts)) r.push(piece);
          const byCsid = (list: RtmpMessage[], csid: number) => list.filter((m) => m.csid === csid);
          expect(messages.length).toBe(sent.length + 1);
          for (const csid of csids) expect(byCsid(messages, csid)).toEqual(byCsid(sent, csid));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('throws only RtmpProtocolError on arbitrary input and keeps in-flight memory under its bound', () => {
    const limits = { maxMessageSize: 1000, maxChunkSize: 5000, maxInFlightBytes: 2500 };
    // Mostly-plausible headers make the fuzzer reach the assembly and limit paths, not just fail fast.
    const type0Header = fc
      .tuple(fc.integer({ min: 2, max: 70 }), fc.nat(0xffffff), fc.nat(2000), fc.nat(25))
      .map(([csid, ts, len, type]) => {
        const h = Buffer.alloc(csid < 64 ? 12 : 13);
        const at = csid < 64 ? 1 : 2;
        h[0] = csid < 64 ? csid : 0;
        if (csid >= 64) h[1] = csid - 64;
        h.writeUIntBE(ts, at, 3);
        h.writeUIntBE(len, at + 3, 3);
        h[at + 6] = type;
        return h;
      });
    const piece = fc.oneof(
      type0Header,
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        let bound = true;
        const { r } = reader({
          ...limits,
          onMessage: () => {
            bound &&= r.inFlightBytes <= limits.maxInFlightBytes;
          },
        });
        try {
          for (const p of pieces) {
            r.push(p);
            bound &&= r.inFlightBytes <= limits.maxInFlightBytes;
          }
        } catch (e) {
          expect(e).toBeInstanceOf(RtmpProtocolError);
        }
        expect(bound).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('copies a message that sits in one chunk of one input, so the input can be reused', () => {
    const writer = new ChunkWriter();
    const sent = { csid: 6, typeId: MSG_VIDEO, streamId: 1, timestamp: 40, payload: payload(100, 1) };
    const input = Buffer.concat(writer.encode(sent));
    const { r, messages } = reader();
    r.push(input);
    input.fill(0xee);
    expect(messages[0]).toEqual(sent);
  });

  it('gives messages carved from one slab disjoint buffers', () => {
    const writer = new ChunkWriter();
    const sent = [100, 5000, 7, 20_000, 40_000, 3].map((length, i) => ({
      csid: 6,
      typeId: MSG_VIDEO,
      streamId: 1,
      timestamp: 40 * i,
      payload: payload(length, i),
    }));
    const { r, messages } = reader();
    r.push(Buffer.concat(writer.encode(setChunkSize(4096))));
    writer.setChunkSize(4096);
    for (const m of sent) r.push(Buffer.concat(writer.encode(m)));
    const media = messages.filter((m) => m.typeId === MSG_VIDEO);
    // Overwriting each payload in turn leaves every payload as its own last write only if none overlap.
    for (const [i, m] of media.entries()) m.payload.fill(i + 1);
    for (const [i, m] of media.entries()) expect(m.payload.every((byte) => byte === i + 1)).toBe(true);
    expect(media.map((m) => m.payload.length)).toEqual(sent.map((m) => m.payload.length));
  });

  it('rejects a message length over the limit on the header, before any payload', () => {
    const { r } = reader({ maxMessageSize: 1 << 20 });
    // Type 0 header declaring the largest length the 24-bit field allows (16 MiB).
    const header = Buffer.from('03000000ffffff0901000000', 'hex');
    expect(() => r.push(header)).toThrow(/exceeds the limit/);
    expect(r.inFlightBytes).toBe(0);
  });

  it('rejects Set Chunk Size of 0, of 2^31 (masked to 0) and above maxChunkSize', () => {
    for (const size of [0, 2 ** 31, 70_000]) {
      const { r } = reader({ maxChunkSize: 65_536 });
      const m = setChunkSize(0);
      m.payload.writeUInt32BE(size >>> 0);
      expect(() => r.push(Buffer.concat(new ChunkWriter().encode(m)))).toThrow(RtmpProtocolError);
    }
  });

  it('applies Set Chunk Size to the chunks that follow it', () => {
    const writer = new ChunkWriter();
    const bufs = [...writer.encode(setChunkSize(4096))];
    writer.setChunkSize(4096);
    const big = { csid: 6, typeId: MSG_VIDEO, streamId: 1, timestamp: 0, payload: payload(10_000, 3) };
    bufs.push(...writer.encode(big));
    expect(bufs).toHaveLength(2 + 6); // 3 chunks of at most 4096 bytes
    const { r, messages } = reader();
    r.push(Buffer.concat(bufs));
    expect(messages[1]).toEqual(big);
  });

  it('uses a type 0 timestamp as the delta of a following type 3 message (spec §5.3.1.2.4)', () => {
    const { r, messages } = reader();
    r.push(Buffer.from('04000064000001080100000041' + 'c4' + '42' + 'c4' + '43', 'hex'));
    expect(messages.map((m) => [m.timestamp, m.payload[0]])).toEqual([
      [100, 0x41],
      [200, 0x42],
      [300, 0x43],
    ]);
  });

  it('repeats the last type 1/2 delta for type 3 messages and keeps length, type and stream', () => {
    const { r, messages } = reader();
    r.push(
      Buffer.from(
        '04' +
          '000010' +
          '000001' +
          '08' +
          '05000000' +
          'aa' + // type 0: ts 16, stream 5
          '44' +
          '000005' +
          '000002' +
          '09' +
          'bbbb' + // type 1: +5, new length and type
          '84' +
          '000007' +
          'cccc' + // type 2: +7
          'c4' +
          'dddd', // type 3: +7 again
        'hex',
      ),
    );
    expect(messages.map((m) => [m.timestamp, m.typeId, m.streamId, m.payload.toString('hex')])).toEqual([
      [16, 8, 5, 'aa'],
      [21, 9, 5, 'bbbb'],
      [28, 9, 5, 'cccc'],
      [35, 9, 5, 'dddd'],
    ]);
  });

  it('wraps accumulated timestamps at 2^32 instead of unwrapping them', () => {
    const { r, messages } = reader();
    r.push(Buffer.from('04ffffff0000010801000000ffffff00' + 'aa' + '84000120' + 'bb', 'hex'));
    expect(messages.map((m) => m.timestamp)).toEqual([0xffffff00, 0x20]);
  });

  it('reads extended timestamps repeated on continuation chunks (ffmpeg, librtmp)', () => {
    const writer = new ChunkWriter();
    const m = { csid: 6, typeId: MSG_VIDEO, streamId: 1, timestamp: 0x01020304, payload: payload(300, 9) };
    const bufs = writer.encode(m);
    expect(bufs[2]!.toString('hex')).toBe('c601020304'); // type 3 header + repeated extended timestamp
    const { r, messages } = reader();
    r.push(Buffer.concat(bufs));
    expect(messages).toEqual([m]);
  });

  it('reads continuation chunks that leave the extended timestamp out', () => {
    const body = payload(200, 5);
    const stream = Buffer.concat([
      Buffer.from('06ffffff0000c80901000000' + '01020304', 'hex'),
      body.subarray(0, 128),
      Buffer.from('c6', 'hex'),
      body.subarray(128),
    ]);
    const { r, messages } = reader();
    r.push(stream);
    expect(messages).toEqual([{ csid: 6, typeId: 9, streamId: 1, timestamp: 0x01020304, payload: body }]);
  });

  it('takes an extended timestamp on a type 3 chunk that starts a message as the new delta', () => {
    const { r, messages } = reader();
    // ffmpeg sends type 3 when the 24-bit fields match, even if both are 0xffffff with different deltas.
    r.push(Buffer.from('44ffffff00000108' + '01000000' + 'aa' + 'c4' + '02000000' + 'bb', 'hex'));
    expect(messages.map((m) => m.timestamp)).toEqual([0x01000000, 0x03000000]);
  });

  it('accepts a type 1 header on a fresh chunk stream (librtmp control messages), not type 2 or 3', () => {
    const { r, messages } = reader();
    r.push(Buffer.from('42000000000006040007' + '0000002a', 'hex'));
    expect(messages[0]).toMatchObject({ csid: 2, typeId: 4, streamId: 0, timestamp: 0 });
    expect(() => reader().r.push(Buffer.from('83000000', 'hex'))).toThrow(/type 2 chunk without/);
    expect(() => reader().r.push(Buffer.from('c3', 'hex'))).toThrow(/type 3 chunk without/);
  });

  it('rejects a new message header on a chunk stream whose message is unfinished', () => {
    const { r } = reader();
    expect(() =>
      r.push(Buffer.from('0400000000012c0801000000' + 'aa'.repeat(128) + '840000aa', 'hex')),
    ).toThrow(/before the previous message ended/);
  });

  it('drops a partial message on Abort, tells onAbort, and frees its in-flight bytes', () => {
    const { r, messages, aborted } = reader();
    r.push(Buffer.from('0400000000012c0801000000' + 'aa'.repeat(128), 'hex'));
    expect(r.inFlightBytes).toBe(300);
    r.push(Buffer.from('02000000000004020000000000000004', 'hex'));
    expect(aborted).toEqual([4]);
    expect(r.inFlightBytes).toBe(0);
    expect(messages.map((m) => m.typeId)).toEqual([MSG_ABORT]);
    r.push(Buffer.from('44' + '000001' + '000001' + '08' + 'bb', 'hex')); // the chunk stream starts afresh
    expect(messages[1]).toMatchObject({ typeId: 8, timestamp: 1, payload: Buffer.from('bb', 'hex') });
  });

  it('bounds the total of half-built messages across chunk streams', () => {
    const { r } = reader({ maxMessageSize: 1000, maxInFlightBytes: 3000 });
    // A type 0 header declaring 1000 bytes, then its first 128-byte chunk.
    const partial = (csid: number) => Buffer.from(`0${csid}0000000003e80801000000${'ff'.repeat(128)}`, 'hex');
    r.push(partial(3));
    r.push(partial(4));
    r.push(partial(5));
    expect(r.inFlightBytes).toBe(3000);
    expect(() => r.push(partial(6))).toThrow(/would exceed 3000 bytes/);
  });

  it('takes a raised in-flight bound at once (the session raises it once a publish is accepted)', () => {
    const { r } = reader({ maxMessageSize: 1000, maxInFlightBytes: 1000 });
    const partial = (csid: number) => Buffer.from(`0${csid}0000000003e80801000000${'ff'.repeat(128)}`, 'hex');
    r.push(partial(3));
    r.maxInFlightBytes = 2000;
    r.push(partial(4));
    expect(r.inFlightBytes).toBe(2000);
  });

  it('bounds the chunk streams a peer may open', () => {
    const { r, messages } = reader({ maxChunkStreams: 2 });
    // Empty messages (length 0) on chunk streams 3 and 4 are fine; a third stream is refused.
    r.push(Buffer.from('030000000000001400000000' + '040000000000001400000000', 'hex'));
    expect(messages).toHaveLength(2);
    r.push(Buffer.from('030000000000001400000000', 'hex')); // a known stream again
    expect(() => r.push(Buffer.from('050000000000001400000000', 'hex'))).toThrow(/more than 2 chunk streams/);
  });

  it('stays failed after an error', () => {
    const { r } = reader();
    expect(() => r.push(Buffer.from('c3', 'hex'))).toThrow(RtmpProtocolError);
    expect(() => r.push(Buffer.from('0300000000000114000000', 'hex'))).toThrow(RtmpProtocolError);
  });

  it('counts every byte pushed', () => {
    const { r } = reader();
    r.push(Buffer.from('03000000', 'hex'));
    r.push(Buffer.from('00000114000000', 'hex'));
    expect(r.bytesReceived).toBe(11);
  });
});
