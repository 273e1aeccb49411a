import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { damagedOrRandom } from '../../../test/helpers/damaged-bytes.js';
import { aacConfig, avcConfig } from '../../../test/helpers/media-configs.js';
import type { MediaPacket } from '../../media/packet.js';
import { adtsFrames } from './adts-frames.js';
import { annexBToSample, annexBUnits } from './annexb-sample.js';
import { demuxTs, type TsAccessUnit, TsDemuxError, unwrapTimestamp } from './ts-demux.js';
import { TsMuxer } from './ts-muxer.js';

const SPS = Buffer.from([0x67, 0x42, 0xc0, 0x1e, 0xd9]);
const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
const AVC = avcConfig({
  record: Buffer.concat([
    Buffer.of(1, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0, SPS.length),
    SPS,
    Buffer.of(1, 0, PPS.length),
    PPS,
  ]),
});
const AAC = aacConfig();
/** What our muxer adds to every timestamp (1.4 s at 90 kHz). */
const OFFSET = 126_000;
const TWO_POW_33 = 2 ** 33;
/** A packet time (ms) whose TS time lies half a second before the 33-bit wrap. */
const NEAR_WRAP_MS = Math.floor((TWO_POW_33 - OFFSET) / 90) - 500;

function lengthPrefixed(nals: readonly Buffer[]): Buffer {
  return Buffer.concat(
    nals.flatMap((nal) => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(nal.length);
      return [length, nal];
    }),
  );
}

/** A NAL unit of type `type` whose body holds no zero byte, so no start code can appear inside it. */
const nal = (type: number) =>
  fc
    .uint8Array({ minLength: 0, maxLength: 800 })
    .map((body) => Buffer.from([type, ...body.map((b) => b || 1)]));

const videoFrame = fc.record({
  keyframe: fc.boolean(),
  nals: fc.array(nal(0x41), { minLength: 0, maxLength: 3 }),
  step: fc.integer({ min: 1, max: 100 }),
  reorder: fc.integer({ min: 0, max: 200 }),
});
const audioFrame = fc.record({
  // Most frames span several TS packets, so a tear falls inside one.
  data: fc.uint8Array({ minLength: 150, maxLength: 600 }).map((b) => Buffer.from(b)),
  step: fc.integer({ min: 1, max: 50 }),
});

/** Packets of both tracks in decode order from `base` ms, each video keyframe opening with an IDR. */
const streamOf = fc
  .record({
    video: fc.array(videoFrame, { maxLength: 25 }),
    audio: fc.array(audioFrame, { maxLength: 25 }),
    base: fc.constantFrom(0, 5000, NEAR_WRAP_MS),
    big: fc.boolean(),
  })
  .map(({ video, audio, base, big }) => {
    const packets: MediaPacket[] = [];
    let dts = base;
    video.forEach((v, i) => {
      const nals = v.keyframe ? [Buffer.of(0x65, 0x88, 1 + i), ...v.nals] : [Buffer.of(0x41, 2), ...v.nals];
      // One frame past 64 KiB: its PES declares no length (allowed for video only).
      if (big && i === 0) nals.push(Buffer.concat([Buffer.of(0x41), Buffer.alloc(70_000, 7)]));
      const data = lengthPrefixed(nals);
      packets.push({
        kind: 'video',
        dts,
        pts: dts + v.reorder,
        keyframe: v.keyframe,
        data,
        tag: data,
        config: AVC,
      });
      dts += v.step;
    });
    dts = base;
    for (const a of audio) {
      packets.push({ kind: 'audio', dts, pts: dts, keyframe: true, data: a.data, tag: a.data, config: AAC });
      dts += a.step;
    }
    return packets.sort((a, b) => a.dts - b.dts);
  });

function mux(packets: readonly MediaPacket[]): Buffer {
  const muxer = new TsMuxer({ video: AVC, audio: AAC });
  return Buffer.concat(packets.map((p, i) => Buffer.from(muxer.push(p, i % 10 === 0))));
}

/** Resolves to the units, or to the TsDemuxError the bytes were refused with; anything else fails. */
function outcome(bytes: Buffer): TsAccessUnit[] | TsDemuxError {
  try {
    return demuxTs(bytes);
  } catch (error) {
    if (error instanceof TsDemuxError) return error;
    throw error;
  }
}

describe('demuxTs', () => {
  it('gives back what TsMuxer wrote: one access unit per packet, same payload and 90 kHz times', () => {
    fc.assert(
      fc.property(streamOf, (packets) => {
        const units = demuxTs(mux(packets));
        expect(units).toHaveLength(packets.length);
        for (const kind of ['video', 'audio'] as const) {
          const sent = packets.filter((p) => p.kind === kind);
          const got = units.filter((u) => u.streamType === (kind === 'video' ? 0x1b : 0x0f));
          expect(got).toHaveLength(sent.length);
          sent.forEach((p, i) => {
            const unit = got[i]!;
            const dts = Math.round(p.dts * 90) + OFFSET;
            expect(unit.dts).toBe(dts);
            expect(unit.pts).toBe(Math.max(dts, Math.round(p.pts * 90) + OFFSET));
            if (kind === 'video') {
              const { sample, parameterSets, keyframe } = annexBToSample(unit.data, 'avc');
              expect(sample.equals(p.data)).toBe(true);
              expect(keyframe).toBe(p.keyframe);
              expect(unit.randomAccess).toBe(p.keyframe);
              expect(parameterSets).toEqual(p.keyframe ? [SPS, PPS] : []);
            } else {
              const { frames, audioSpecificConfig } = adtsFrames(unit.data);
              expect(frames).toEqual([p.data]);
              expect(audioSpecificConfig).toEqual(AAC.record);
            }
          });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('keeps counting past the 33-bit wrap', () => {
    const packets = [0, 300, 600, 900].map(
      (t): MediaPacket => ({
        kind: 'audio',
        dts: NEAR_WRAP_MS + t,
        pts: NEAR_WRAP_MS + t,
        keyframe: true,
        data: Buffer.of(1, 2, 3),
        tag: Buffer.alloc(0),
        config: AAC,
      }),
    );
    const units = demuxTs(mux(packets));
    expect(units.map((u) => u.dts)).toEqual(packets.map((p) => Math.round(p.dts * 90) + OFFSET));
    expect(units.at(-1)!.dts).toBeGreaterThan(TWO_POW_33);
    // Video's first frame before the wrap, audio's after it: both on one timeline.
    const mixed = demuxTs(
      mux([
        {
          ...packets[0]!,
          kind: 'video',
          keyframe: true,
          data: lengthPrefixed([Buffer.of(0x65, 1)]),
          config: AVC,
        },
        { ...packets[3]! },
      ]),
    );
    expect(mixed.map((u) => u.dts)).toEqual(
      [packets[0]!, packets[3]!].map((p) => Math.round(p.dts * 90) + OFFSET),
    );
    expect(unwrapTimestamp(5, TWO_POW_33 - 5)).toBe(TWO_POW_33 + 5);
    expect(unwrapTimestamp(TWO_POW_33 - 5, TWO_POW_33 + 5)).toBe(TWO_POW_33 - 5);
    expect(unwrapTimestamp(7, 3 * TWO_POW_33)).toBe(3 * TWO_POW_33 + 7);
  });

  it('reads a file torn anywhere as the whole PES packets before the tear', () => {
    fc.assert(
      fc.property(streamOf, fc.integer({ min: 0, max: 1000 }), (packets, permille) => {
        const whole = mux(packets.filter((p) => p.data.length < 60_000));
        const units = demuxTs(whole);
        const torn = demuxTs(whole.subarray(0, Math.floor((whole.length * permille) / 1000)));
        // Per stream, the torn file's units are the whole file's first ones; at most the last is lost.
        for (const type of [0x1b, 0x0f]) {
          const all = units.filter((u) => u.streamType === type);
          const kept = torn.filter((u) => u.streamType === type);
          expect(all.slice(0, kept.length)).toEqual(kept);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('refuses random and damaged bytes with TsDemuxError only', () => {
    const valid = mux(fc.sample(streamOf, { numRuns: 1, seed: 7 })[0]!);
    fc.assert(
      fc.property(damagedOrRandom(valid.length > 0 ? valid : Buffer.alloc(188, 0x47), 3000), (bytes) => {
        outcome(bytes);
      }),
      { numRuns: 400 },
    );
    expect(outcome(Buffer.alloc(188 * 2))).toBeInstanceOf(TsDemuxError);
  });

  it('refuses hostile packets (right sync byte and PIDs, random fields) with TsDemuxError only', () => {
    const valid = mux(fc.sample(streamOf, { numRuns: 1, seed: 7 })[0]!);
    // A real PAT and PMT first, so the random packets are read as tables and PES of known PIDs.
    const tables = valid.subarray(0, 2 * 188);
    const packet = fc
      .tuple(
        fc.constantFrom(0, 0x1000, 0x100, 0x101),
        fc.integer({ min: 0, max: 0xff }),
        fc.uint8Array({ minLength: 184, maxLength: 184 }),
      )
      .map(([pid, flags, body]) =>
        Buffer.from([0x47, (flags & 0x40) | (pid >> 8), pid & 0xff, (flags & 0x3f) | 0x10, ...body]),
      );
    fc.assert(
      fc.property(fc.array(packet, { maxLength: 12 }), fc.boolean(), (packets, withTables) => {
        outcome(Buffer.concat([...(withTables ? [tables] : []), ...packets]));
      }),
      { numRuns: 500 },
    );
  });
});

describe('annexBUnits', () => {
  it('splits on 3- and 4-byte start codes and drops trailing zeros', () => {
    const units = annexBUnits(Buffer.of(0, 0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x65, 1, 2, 0, 0, 0, 0, 1, 0x41, 9));
    expect(units).toEqual([Buffer.of(0x09, 0xf0), Buffer.of(0x65, 1, 2), Buffer.of(0x41, 9)]);
    expect(annexBUnits(Buffer.of(7, 7, 0, 0))).toEqual([]);
  });
});
