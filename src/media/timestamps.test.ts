import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TrackKind } from './packet.js';
import { TimestampNormalizer } from './timestamps.js';

type Input = [TrackKind, number, number?];

function normalizeAll(inputs: Input[], maxJumpMs?: number) {
  const normalizer = new TimestampNormalizer(maxJumpMs === undefined ? {} : { maxJumpMs });
  const out = inputs.map(([kind, timestamp, cts]) => normalizer.normalize(kind, timestamp, cts ?? 0));
  return { dts: out.map((o) => o.dts), pts: out.map((o) => o.pts), corrections: normalizer.corrections };
}

describe('TimestampNormalizer rules', () => {
  it.each<{ rule: string; inputs: Input[]; dts: number[]; corrections: number; maxJumpMs?: number }>([
    {
      rule: '2: the first packet of either track is 0 and both tracks share the base',
      inputs: [
        ['video', 1000],
        ['audio', 1020],
        ['video', 1033],
        ['audio', 1043],
      ],
      dts: [0, 20, 33, 43],
      corrections: 0,
    },
    {
      rule: '1: a uint32 wrap continues counting up',
      inputs: [
        ['video', 0xffff_ff00],
        ['audio', 0xffff_ff10],
        ['video', 0x10],
        ['audio', 0x20],
      ],
      dts: [0, 16, 272, 288],
      corrections: 0,
    },
    {
      rule: '3: a forward jump re-bases both tracks after the last dts plus the last delta',
      inputs: [
        ['video', 0],
        ['video', 33],
        ['audio', 40],
        ['video', 66],
        ['video', 60_066],
        ['audio', 60_080],
        ['video', 60_099],
      ],
      dts: [0, 33, 40, 66, 99, 113, 132],
      corrections: 1,
    },
    {
      rule: '3: maxJumpMs is configurable',
      inputs: [
        ['video', 0],
        ['video', 33],
        ['video', 3033],
      ],
      dts: [0, 33, 66],
      corrections: 1,
      maxJumpMs: 2000,
    },
    {
      rule: '3: an encoder restart (time goes back to 0) continues after the last dts',
      inputs: [
        ['video', 5000],
        ['video', 5040],
        ['audio', 5050],
        ['video', 0],
        ['audio', 10],
        ['video', 40],
      ],
      dts: [0, 40, 50, 80, 90, 120],
      corrections: 1,
    },
    {
      rule: '3: a track first seen after a clock jump lines up with the other track',
      inputs: [
        ['video', 100],
        ['video', 133],
        ['audio', 90_000],
        ['audio', 90_023],
        ['video', 90_033],
      ],
      dts: [0, 33, 33, 56, 66],
      corrections: 1,
    },
    {
      rule: '4: a small step back lands 1 ms after the last dts, without touching the other track',
      inputs: [
        ['video', 0],
        ['video', 40],
        ['video', 30],
        ['audio', 35],
        ['video', 80],
      ],
      dts: [0, 40, 41, 35, 80],
      corrections: 1,
    },
    {
      rule: '4: a repeated timestamp lands 1 ms later, so dts strictly increases',
      inputs: [
        ['audio', 500],
        ['audio', 523],
        ['audio', 523],
        ['audio', 546],
      ],
      dts: [0, 23, 24, 46],
      corrections: 1,
    },
    {
      rule: '2/4: a second track starting just before the first one starts at 0',
      inputs: [
        ['video', 1000],
        ['audio', 977],
        ['audio', 1000],
        ['audio', 1023],
      ],
      dts: [0, 0, 1, 23],
      corrections: 2,
    },
  ])('rule $rule', ({ inputs, dts, corrections, maxJumpMs }) => {
    const result = normalizeAll(inputs, maxJumpMs);
    expect(result.dts).toEqual(dts);
    expect(result.corrections).toBe(corrections);
  });

  it('rule 5: pts = dts + cts, and a negative cts is clamped and counted', () => {
    const result = normalizeAll([
      ['video', 0, 66],
      ['video', 33, -10],
      ['video', 66, 0],
    ]);
    expect(result.pts).toEqual([66, 33, 66]);
    expect(result.corrections).toBe(1);
  });
});

describe('TimestampNormalizer properties', () => {
  const anyInputs = fc.array(
    fc.tuple(
      fc.constantFrom<TrackKind>('video', 'audio'),
      fc.nat({ max: 2 ** 32 - 1 }),
      fc.integer({ min: -5000, max: 5000 }),
    ),
    { maxLength: 200 },
  );

  it('makes the dts of each track strictly increase, and never puts pts before dts', () => {
    fc.assert(
      fc.property(anyInputs, (inputs) => {
        const normalizer = new TimestampNormalizer();
        const last = new Map<TrackKind, number>();
        for (const [kind, timestamp, cts] of inputs) {
          const { dts, pts } = normalizer.normalize(kind, timestamp, cts);
          const previous = last.get(kind);
          if (previous === undefined) expect(dts).toBeGreaterThanOrEqual(0);
          else expect(dts).toBeGreaterThan(previous);
          expect(pts).toBeGreaterThanOrEqual(dts);
          last.set(kind, dts);
        }
      }),
    );
  });

  /** A clean push: fixed frame and audio durations from any start (wrap included), interleaved in time order. */
  const cleanPush = fc
    .record({
      start: fc.nat({ max: 2 ** 32 - 1 }),
      videoDelta: fc.integer({ min: 1, max: 100 }),
      audioDelta: fc.integer({ min: 1, max: 100 }),
      audioOffset: fc.integer({ min: 0, max: 500 }),
      videoCount: fc.integer({ min: 1, max: 100 }),
      audioCount: fc.integer({ min: 0, max: 100 }),
    })
    .map(({ start, videoDelta, audioDelta, audioOffset, videoCount, audioCount }) => {
      const packets: { kind: TrackKind; time: number }[] = [];
      for (let i = 0; i < videoCount; i++) packets.push({ kind: 'video', time: i * videoDelta });
      for (let i = 0; i < audioCount; i++)
        packets.push({ kind: 'audio', time: audioOffset + i * audioDelta });
      packets.sort((a, b) => a.time - b.time || (a.kind === 'video' ? -1 : 1));
      return { start, packets };
    });

  it('keeps input deltas and the A/V offset exactly when no rule fires', () => {
    fc.assert(
      fc.property(cleanPush, ({ start, packets }) => {
        const normalizer = new TimestampNormalizer();
        for (const { kind, time } of packets) {
          expect(normalizer.normalize(kind, (start + time) >>> 0, 0).dts).toBe(time);
        }
        expect(normalizer.corrections).toBe(0);
      }),
    );
  });
});
