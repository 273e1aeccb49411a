import { describe, expect, it } from 'vitest';
import { ChunkWriter } from './chunk-writer.js';

const hex = (bufs: Buffer[]) => bufs.map((b) => b.toString('hex'));

describe('ChunkWriter', () => {
  it('writes a type 0 header, then type 3 headers between payload views', () => {
    const writer = new ChunkWriter();
    const payload = Buffer.alloc(300, 0xab);
    const out = writer.encode({ csid: 6, typeId: 9, streamId: 1, timestamp: 0x123, payload });
    expect(hex(out.filter((_, i) => i % 2 === 0))).toEqual([
      '06000123' + '00012c' + '09' + '01000000',
      'c6',
      'c6',
    ]);
    expect(out.filter((_, i) => i % 2 === 1).map((b) => b.length)).toEqual([128, 128, 44]);
    for (let i = 1; i < out.length; i += 2) expect(out[i]!.buffer).toBe(payload.buffer);
  });

  it('compresses later headers on the same chunk stream to type 1 and 2', () => {
    const writer = new ChunkWriter();
    const m = { csid: 4, typeId: 8, streamId: 1, timestamp: 1000, payload: Buffer.alloc(10) };
    writer.encode(m);
    expect(hex(writer.encode({ ...m, timestamp: 1023 }))[0]).toBe('84000017'); // same length and type
    expect(hex(writer.encode({ ...m, timestamp: 1046, payload: Buffer.alloc(11) }))[0]).toBe(
      '4400001700000b08',
    );
    // Backwards in time, or another message stream: a full header again.
    expect(hex(writer.encode({ ...m, timestamp: 5 }))[0]).toBe('040000050000' + '0a0801000000');
    expect(hex(writer.encode({ ...m, timestamp: 6, streamId: 2 }))[0]).toBe('040000060000' + '0a0802000000');
  });

  it('moves timestamps of 0xffffff and above to the extended field, on every chunk', () => {
    const writer = new ChunkWriter();
    const out = writer.encode({
      csid: 6,
      typeId: 9,
      streamId: 1,
      timestamp: 0xffffff,
      payload: Buffer.alloc(129),
    });
    expect(hex(out.filter((_, i) => i % 2 === 0))).toEqual([
      '06ffffff0000810901000000' + '00ffffff',
      'c600ffffff',
    ]);
  });

  it('encodes chunk stream ids in 1, 2 and 3 byte basic headers', () => {
    const first = (csid: number) =>
      hex(
        new ChunkWriter().encode({ csid, typeId: 20, streamId: 0, timestamp: 0, payload: Buffer.alloc(0) }),
      )[0]!;
    expect(first(63).slice(0, 2)).toBe('3f');
    expect(first(64).slice(0, 4)).toBe('0000');
    expect(first(319).slice(0, 4)).toBe('00ff');
    expect(first(320).slice(0, 6)).toBe('010001');
    expect(first(65599).slice(0, 6)).toBe('01ffff');
    expect(() => first(1)).toThrow(RangeError);
    expect(() => first(65600)).toThrow(RangeError);
  });

  it('sends an empty message as a header alone', () => {
    const out = new ChunkWriter().encode({
      csid: 3,
      typeId: 20,
      streamId: 0,
      timestamp: 0,
      payload: Buffer.alloc(0),
    });
    expect(out).toHaveLength(1);
  });

  it('validates chunk sizes and timestamps', () => {
    const writer = new ChunkWriter();
    writer.setChunkSize(4096);
    expect(writer.chunkSize).toBe(4096);
    expect(() => writer.setChunkSize(0)).toThrow(RangeError);
    expect(() => writer.setChunkSize(2 ** 31)).toThrow(RangeError);
    const m = { csid: 3, typeId: 20, streamId: 0, payload: Buffer.alloc(1) };
    expect(() => writer.encode({ ...m, timestamp: -1 })).toThrow(RangeError);
    expect(() => writer.encode({ ...m, timestamp: 2 ** 32 })).toThrow(RangeError);
  });
});
