import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aacConfig, avcConfig } from '../../../test/helpers/media-configs.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../../media/packet.js';
import { crc32Mpeg2 } from './crc32.js';
import { TsMuxError, TsMuxer, UnsupportedCodecError } from './ts-muxer.js';
import { TS_PACKET_SIZE, TsPacketStream } from './ts-packet-stream.js';

// ---- a minimal TS reader, strict where the muxer must be exact ----

interface TsPacket {
  pid: number;
  unitStart: boolean;
  cc: number;
  hasPayload: boolean;
  randomAccess: boolean;
  pcr?: number;
  adaptationLength: number;
  payload: Buffer;
}

function readPackets(ts: Buffer): TsPacket[] {
  expect(ts.length % TS_PACKET_SIZE).toBe(0);
  const out: TsPacket[] = [];
  for (let at = 0; at < ts.length; at += TS_PACKET_SIZE) {
    const p = ts.subarray(at, at + TS_PACKET_SIZE);
    expect(p[0]).toBe(0x47);
    const control = (p[3]! >> 4) & 3;
    let payloadAt = 4;
    let randomAccess = false;
    let pcr: number | undefined;
    let adaptationLength = 0;
    if (control & 2) {
      adaptationLength = p[4]! + 1;
      payloadAt += adaptationLength;
      expect(payloadAt).toBeLessThanOrEqual(TS_PACKET_SIZE);
      if (adaptationLength > 1) {
        randomAccess = (p[5]! & 0x40) !== 0;
        if (p[5]! & 0x10) pcr = p.readUInt32BE(6) * 2 + (p[10]! >> 7);
      }
    }
    out.push({
      pid: ((p[1]! & 0x1f) << 8) | p[2]!,
      unitStart: (p[1]! & 0x40) !== 0,
      cc: p[3]! & 0x0f,
      hasPayload: (control & 1) !== 0,
      randomAccess,
      ...(pcr !== undefined && { pcr }),
      adaptationLength,
      payload: control & 1 ? p.subarray(payloadAt) : Buffer.alloc(0),
    });
  }
  return out;
}

interface Pes {
  pid: number;
  streamId: number;
  pts: number;
  dts: number;
  es: Buffer;
  randomAccess: boolean;
  pcr?: number;
}

/** Reassembles PES packets, checking continuity counters and PES_packet_length on the way. */
function readPes(ts: Buffer): Pes[] {
  const result: Pes[] = [];
  const counters = new Map<number, number>();
  const open = new Map<number, { first: TsPacket; parts: Buffer[] }>();
  const finish = (pid: number) => {
    const unit = open.get(pid);
    if (!unit) return;
    const pes = Buffer.concat(unit.parts);
    expect(pes.readUIntBE(0, 3)).toBe(1);
    const declared = pes.readUInt16BE(4);
    if (declared !== 0) expect(declared).toBe(pes.length - 6);
    const flags = pes[7]!;
    const pts = readTimestamp(pes, 9);
    const dts = flags & 0x40 ? readTimestamp(pes, 14) : pts;
    result.push({
      pid,
      streamId: pes[3]!,
      pts,
      dts,
      es: pes.subarray(9 + pes[8]!),
      randomAccess: unit.first.randomAccess,
      ...(unit.first.pcr !== undefined && { pcr: unit.first.pcr }),
    });
    open.delete(pid);
  };
  for (const p of readPackets(ts)) {
    if (p.pid === 0 || p.pid === 0x1000 || !p.hasPayload) continue;
    const last = counters.get(p.pid);
    if (last !== undefined) expect(p.cc).toBe((last + 1) & 15);
    counters.set(p.pid, p.cc);
    if (p.unitStart) {
      finish(p.pid);
      open.set(p.pid, { first: p, parts: [p.payload] });
    } else open.get(p.pid)!.parts.push(p.payload);
  }
  for (const pid of [...open.keys()]) finish(pid);
  return result;
}

function readTimestamp(b: Buffer, at: number): number {
  return (
    ((b[at]! >> 1) & 7) * 2 ** 30 +
    (b[at + 1]! << 22) +
    ((b[at + 2]! >> 1) << 15) +
    (b[at + 3]! << 7) +
    (b[at + 4]! >> 1)
  );
}

/** Table sections of the PAT/PMT packets, checked for pointer_field 0 and a valid CRC. */
function readSection(packet: Buffer): Buffer {
  expect(packet[4]).toBe(0); // pointer_field
  const length = (packet.readUInt16BE(6) & 0x0fff) + 3;
  const section = packet.subarray(5, 5 + length);
  expect(crc32Mpeg2(section, 0, section.length)).toBe(0); // CRC over data + CRC is 0
  return section;
}

function pmtStreams(tables: Buffer): { pcrPid: number; streams: Array<[type: number, pid: number]> } {
  const pat = readSection(tables.subarray(0, TS_PACKET_SIZE));
  expect(pat.readUInt16BE(8)).toBe(1);
  expect(pat.readUInt16BE(10) & 0x1fff).toBe(0x1000);
  const pmt = readSection(tables.subarray(TS_PACKET_SIZE));
  const streams: Array<[number, number]> = [];
  for (let at = 12; at < pmt.length - 4; at += 5) streams.push([pmt[at]!, pmt.readUInt16BE(at + 1) & 0x1fff]);
  return { pcrPid: pmt.readUInt16BE(8) & 0x1fff, streams };
}

// ---- fixtures ----

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xd9]);
const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
const AVCC = Buffer.concat([
  Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, SPS.length]),
  SPS,
  Buffer.from([1, 0, PPS.length]),
  PPS,
]);

const AVC = avcConfig({ record: AVCC });

const AAC = aacConfig();

function lengthPrefixed(...nals: Buffer[]): Buffer {
  return Buffer.concat(nals.flatMap((n) => [u32(n.length), n]));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function annexB(...nals: Buffer[]): Buffer {
  return Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, 1]), n]));
}

function video(dts: number, pts: number, keyframe: boolean, data: Buffer, config?: VideoConfig): MediaPacket {
  return { kind: 'video', dts, pts, keyframe, data, tag: data, config };
}

function audio(dts: number, data: Buffer, config: AudioConfig = AAC): MediaPacket {
  return { kind: 'audio', dts, pts: dts, keyframe: true, data, tag: data, config };
}

const IDR = Buffer.from([0x65, 0x88, 0x84, 0x00, 0x33]);
const SLICE = Buffer.from([0x41, 0x9a, 0x21]);
const AUD = Buffer.from([0x09, 0xf0]);
const OFFSET = 126_000;

// ---- tests ----

describe('TsPacketStream', () => {
  it('splits any PES into 188-byte packets: payload intact, counters continuous, stuffing only last', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.option(fc.integer({ min: 0, max: 2 ** 33 - 1 }), { nil: undefined }),
        fc.boolean(),
        (length, pcr, randomAccess) => {
          const stream = new TsPacketStream(0x100);
          const payload = Buffer.from(Array.from({ length }, (_, i) => i * 7));
          const flags = { pcr, randomAccess };
          const out = Buffer.alloc(TS_PACKET_SIZE * TsPacketStream.packetCount(length, flags));
          stream.beginPes(out, 0, length, flags);
          const split = Math.min(3, length);
          stream.write(payload.subarray(0, split));
          stream.write(payload, split);
          const packets = readPackets(out);
          expect(Buffer.concat(packets.map((p) => p.payload)).equals(payload)).toBe(true);
          expect(packets.map((p) => p.cc)).toEqual(packets.map((_, i) => i & 15));
          expect(packets.map((p) => p.unitStart)).toEqual(packets.map((_, i) => i === 0));
          expect(packets[0]!.pcr).toBe(pcr);
          expect(packets[0]!.randomAccess).toBe(randomAccess);
          for (const p of packets.slice(1, -1)) expect(p.adaptationLength).toBe(0);
        },
      ),
    );
  });

  it('PCR-only packets carry no payload and leave the counter alone', () => {
    const stream = new TsPacketStream(0x100);
    const out = Buffer.alloc(2 * TS_PACKET_SIZE);
    stream.writePcrOnly(out, 0, 123_456);
    stream.beginPes(out, TS_PACKET_SIZE, 10, { randomAccess: false });
    stream.write(Buffer.alloc(10));
    const [pcrOnly, pes] = readPackets(out);
    expect(pcrOnly).toMatchObject({ hasPayload: false, pcr: 123_456, cc: 0 });
    expect(pes).toMatchObject({ hasPayload: true, cc: 0 });
  });
});

describe('TsMuxer tables', () => {
  it('declares video and audio with the PCR on video', () => {
    const mux = new TsMuxer({ video: AVC, audio: AAC });
    expect(pmtStreams(mux.tables())).toEqual({
      pcrPid: 0x100,
      streams: [
        [0x1b, 0x100],
        [0x0f, 0x101],
      ],
    });
  });

  it('puts the PCR on audio when there is no video, and picks the MP3 stream type by rate', () => {
    const mp3 = (sampleRate: number): AudioConfig => ({
      ...AAC,
      codec: 'mp3',
      record: Buffer.alloc(0),
      sampleRate,
    });
    expect(pmtStreams(new TsMuxer({ audio: mp3(44100) }).tables())).toEqual({
      pcrPid: 0x101,
      streams: [[0x03, 0x101]],
    });
    expect(pmtStreams(new TsMuxer({ audio: mp3(22050) }).tables()).streams).toEqual([[0x04, 0x101]]);
  });

  it('advances the PAT/PMT continuity counters on every call', () => {
    const mux = new TsMuxer({ audio: AAC });
    const first = readPackets(mux.tables());
    const second = readPackets(mux.tables());
    expect(second.map((p) => p.cc)).toEqual(first.map((p) => (p.cc + 1) & 15));
  });

  it('rejects codecs TS cannot carry, naming them', () => {
    for (const codec of ['av1', 'vp9'] as const) {
      const err = catchError(() => new TsMuxer({ video: { ...AVC, codec } }));
      expect(err).toBeInstanceOf(UnsupportedCodecError);
      expect((err as UnsupportedCodecError).codec).toBe(codec);
    }
    const speex = { ...AAC, codec: 'other' as const, codecString: 'speex' };
    expect((catchError(() => new TsMuxer({ audio: speex })) as UnsupportedCodecError).codec).toBe('speex');
    expect(catchError(() => new TsMuxer({}))).toBeInstanceOf(TsMuxError);
  });
});

describe('TsMuxer video', () => {
  it('converts to Annex B behind an AUD and adds SPS/PPS before keyframes only', () => {
    const mux = new TsMuxer({ video: AVC });
    const key = readPes(mux.push(video(0, 66, true, lengthPrefixed(IDR))));
    const inter = readPes(mux.push(video(33, 33, false, lengthPrefixed(SLICE))));
    expect(key[0]!.es.equals(annexB(AUD, SPS, PPS, IDR))).toBe(true);
    expect(key[0]).toMatchObject({ streamId: 0xe0, dts: OFFSET, pts: OFFSET + 66 * 90, randomAccess: true });
    expect(key[0]!.pcr).toBeLessThan(key[0]!.dts);
    expect(inter[0]!.es.equals(annexB(AUD, SLICE))).toBe(true);
    expect(inter[0]).toMatchObject({ dts: OFFSET + 33 * 90, pts: OFFSET + 33 * 90, randomAccess: false });
  });

  it('keeps a frame own AUD and parameter sets instead of doubling them', () => {
    const mux = new TsMuxer({ video: AVC });
    const inline = lengthPrefixed(AUD, SPS, PPS, IDR);
    expect(readPes(mux.push(video(0, 0, true, inline)))[0]!.es.equals(annexB(AUD, SPS, PPS, IDR))).toBe(true);
  });

  it('uses the parameter sets of a packet that brings a new config', () => {
    const sps2 = Buffer.from([0x67, 0x4d, 0x40, 0x1f, 0x11]);
    const record2 = Buffer.concat([
      AVCC.subarray(0, 6),
      Buffer.from([0, sps2.length]),
      sps2,
      AVCC.subarray(6 + 2 + SPS.length),
    ]);
    const mux = new TsMuxer({ video: AVC });
    const [pes] = readPes(mux.push(video(0, 0, true, lengthPrefixed(IDR), avcConfig({ record: record2 }))));
    expect(pes!.es.equals(annexB(AUD, sps2, PPS, IDR))).toBe(true);
    const hevc = { ...AVC, codec: 'hevc' as const };
    expect(catchError(() => mux.push(video(33, 33, true, lengthPrefixed(IDR), hevc)))).toBeInstanceOf(
      TsMuxError,
    );
  });

  it('carries a 720p-sized keyframe across hundreds of packets intact', () => {
    const big = Buffer.alloc(150_000, 0x5a);
    big[0] = 0x65;
    const [pes] = readPes(new TsMuxer({ video: AVC }).push(video(0, 0, true, lengthPrefixed(big))));
    expect(pes!.es.equals(annexB(AUD, SPS, PPS, big))).toBe(true);
  });

  it('prepends PAT/PMT in the same buffer when asked', () => {
    const out = new TsMuxer({ video: AVC }).push(video(0, 0, true, lengthPrefixed(IDR)), true);
    expect(
      readPackets(out)
        .map((p) => p.pid)
        .slice(0, 3),
    ).toEqual([0, 0x1000, 0x100]);
  });
});

describe('TsMuxer audio', () => {
  it('wraps AAC in ADTS with PTS only', () => {
    const raw = Buffer.alloc(300, 0x21);
    const [pes] = readPes(new TsMuxer({ audio: AAC }).push(audio(1000, raw)));
    expect(pes).toMatchObject({ streamId: 0xc0, pts: OFFSET + 90_000, dts: OFFSET + 90_000 });
    expect(pes!.pcr).toBeDefined();
    const adts = pes!.es.subarray(0, 7);
    expect(adts.readUInt16BE(0) & 0xfff6).toBe(0xfff0); // syncword, layer 0
    expect(((adts[3]! & 3) << 11) | (adts[4]! << 3) | (adts[5]! >> 5)).toBe(307);
    expect(pes!.es.subarray(7).equals(raw)).toBe(true);
  });

  it('keeps the PCR within 100 ms when video goes quiet', () => {
    const mux = new TsMuxer({ video: AVC, audio: AAC });
    mux.push(video(0, 0, true, lengthPrefixed(IDR)));
    const pcrTimes: number[] = [];
    for (let t = 0; t < 1000; t += 23) {
      for (const p of readPackets(mux.push(audio(t, Buffer.alloc(200))))) {
        if (p.pcr !== undefined) {
          expect(p.pid).toBe(0x100);
          pcrTimes.push(p.pcr);
        }
      }
    }
    const gaps = pcrTimes.slice(1).map((t, i) => t - pcrTimes[i]!);
    expect(Math.max(...gaps)).toBeLessThan(100 * 90);
    expect(pcrTimes.length).toBeGreaterThan(8);
  });

  it('refuses an AAC frame too large for ADTS with its own error', () => {
    const mux = new TsMuxer({ audio: AAC });
    expect(catchError(() => mux.push(audio(0, Buffer.alloc(9000))))).toBeInstanceOf(TsMuxError);
  });
});

describe('TsMuxer on arbitrary input', () => {
  it('never throws anything but TsMuxError and emits whole, continuous, bounded, lasting TS packets', () => {
    const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
    // Mostly well-formed length-prefixed NAL units, sometimes with a torn tail, sometimes pure noise.
    const nalUnits = fc
      .tuple(fc.array(bytes(3000), { maxLength: 5 }), bytes(8))
      .map(([nals, tail]) => Buffer.concat([lengthPrefixed(...nals), tail]));
    const packet = fc.record({
      kind: fc.constantFrom('video' as const, 'audio' as const),
      dts: fc.integer({ min: 0, max: 2 ** 36 }),
      cts: fc.integer({ min: 0, max: 1000 }),
      keyframe: fc.boolean(),
      data: fc.oneof(nalUnits, bytes(10_000)),
      withTables: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 20 }), (packets) => {
        const mux = new TsMuxer({ video: AVC, audio: AAC });
        const outputs: Buffer[] = [];
        /** Copies taken at once: an output must stay as it was while later ones are muxed (shared blocks). */
        const copies: Buffer[] = [];
        for (const p of packets) {
          const pkt =
            p.kind === 'video' ? video(p.dts, p.dts + p.cts, p.keyframe, p.data) : audio(p.dts, p.data);
          try {
            const out = mux.push(pkt, p.withTables);
            // Payload, AUD + parameter sets + PES header + ADTS, at 176 bytes a packet, plus tables and a PCR packet.
            expect(out.length).toBeLessThanOrEqual(
              TS_PACKET_SIZE * (3 + Math.ceil((p.data.length + 64) / 176)),
            );
            outputs.push(out);
            copies.push(Buffer.from(out));
          } catch (error) {
            expect(error).toBeInstanceOf(TsMuxError);
          }
        }
        expect(Buffer.concat(outputs).equals(Buffer.concat(copies))).toBe(true);
        readPes(Buffer.concat(outputs));
      }),
    );
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
