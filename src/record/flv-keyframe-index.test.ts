import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAmf0 } from '../amf/amf0.js';
import { onMetaDataTag } from '../media/flv-writer.js';
import type { Patch } from './container-writer.js';
import {
  findKeyframeIndex,
  isIndexedVideoTag,
  type KeyframeEntry,
  keyframeIndexCapacity,
  keyframeIndexPatches,
  reservedKeyframeIndex,
  selectKeyframes,
} from './flv-keyframe-index.js';

function metadataWithIndex(capacity: number): Buffer {
  return Buffer.from(onMetaDataTag({ duration: 0, width: 320, ...reservedKeyframeIndex(capacity) }));
}

function applied(body: Buffer, patches: Patch[]): Buffer {
  const copy = Buffer.from(body);
  for (const { position, data } of patches) data.copy(copy, position);
  return copy;
}

function decodedIndex(body: Buffer): { times: number[]; filepositions: number[] } {
  const meta = decodeAmf0(body)[1] as Record<string, { times: number[]; filepositions: number[] }>;
  return meta.keyframes!;
}

const entries = (n: number): KeyframeEntry[] =>
  Array.from({ length: n }, (_, i) => ({ timeMs: i * 1000 + 33, position: 1000 + i * 5000 }));

describe('keyframe index capacity', () => {
  it('is one slot per second of interval, between 60 and 5400; unsplit files get 5400', () => {
    expect(keyframeIndexCapacity(1_800_000)).toBe(1800);
    expect(keyframeIndexCapacity(90_500)).toBe(91);
    expect(keyframeIndexCapacity(3000)).toBe(60);
    expect(keyframeIndexCapacity(10_000_000)).toBe(5400);
    expect(keyframeIndexCapacity(Number.POSITIVE_INFINITY)).toBe(5400);
  });

  it('costs 18 bytes a slot: about 32 KiB of metadata for an 1800-s file', () => {
    const small = metadataWithIndex(60).length;
    expect(metadataWithIndex(1800).length - small).toBe(18 * (1800 - 60));
    expect(metadataWithIndex(1800).length).toBeLessThan(32.5 * 1024);
  });
});

describe('reserved index layout', () => {
  it('reserves zeros under a placeholder name, found at exact element offsets', () => {
    const body = metadataWithIndex(60);
    const meta = decodeAmf0(body)[1] as Record<string, unknown>;
    expect(meta.keyframes).toBeUndefined();
    expect(meta.unindexed).toEqual({ times: new Array(60).fill(0), filepositions: new Array(60).fill(0) });
    const layout = findKeyframeIndex(body)!;
    expect(layout.capacity).toBe(60);
    expect(body.toString('latin1', layout.nameAt, layout.nameAt + 9)).toBe('unindexed');
    for (const at of [layout.timesAt, layout.positionsAt]) {
      expect(body[at]).toBe(0x00); // number marker of the first element
      expect(body[at + 9 * 59]).toBe(0x00);
    }
    expect(body.readUInt32BE(layout.timesAt - 4)).toBe(60);
  });

  it('patches times in seconds and tag offsets, renames to keyframes, and keeps other fields', () => {
    const body = metadataWithIndex(60);
    const list = entries(10);
    const patched = applied(body, keyframeIndexPatches(body, 0, list));
    expect(patched.length).toBe(body.length);
    const meta = decodeAmf0(patched)[1] as Record<string, unknown>;
    expect(meta.unindexed).toBeUndefined();
    expect(meta).toMatchObject({ duration: 0, width: 320 });
    const { times, filepositions } = decodedIndex(patched);
    expect(times).toHaveLength(60);
    expect(times.slice(0, 10)).toEqual(list.map((e) => e.timeMs / 1000));
    expect(filepositions.slice(0, 10)).toEqual(list.map((e) => e.position));
    // Unused slots repeat the last entry.
    expect(new Set(times.slice(9))).toEqual(new Set([9.033]));
    expect(new Set(filepositions.slice(9))).toEqual(new Set([46000]));
    // A renamed index is still found (recovery of a file closed but not cataloged).
    expect(findKeyframeIndex(patched)).toEqual(findKeyframeIndex(body));
  });

  it('places patches relative to where the body sits in the file, name last', () => {
    const body = metadataWithIndex(60);
    const layout = findKeyframeIndex(body)!;
    const patches = keyframeIndexPatches(body, 24, entries(3));
    expect(patches.map((p) => p.position)).toEqual([
      24 + layout.timesAt,
      24 + layout.positionsAt,
      24 + layout.nameAt,
    ]);
  });

  it('writes nothing without keyframes or without a reserved index', () => {
    expect(keyframeIndexPatches(metadataWithIndex(60), 0, [])).toEqual([]);
    expect(keyframeIndexPatches(Buffer.from(onMetaDataTag({ duration: 0 })), 0, entries(3))).toEqual([]);
  });

  it('rejects a reserve that is cut short or not laid out as two equal strict arrays', () => {
    const body = metadataWithIndex(60);
    expect(findKeyframeIndex(body.subarray(0, body.length - 20))).toBeUndefined();
    const unequal = Buffer.from(body);
    unequal.writeUInt32BE(59, findKeyframeIndex(body)!.positionsAt - 4);
    expect(findKeyframeIndex(unequal)).toBeUndefined();
  });

  it('never throws on arbitrary bytes, with or without an index head inside', () => {
    const head = metadataWithIndex(60).subarray(0, 60);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, withHead) => {
        const body = withHead ? Buffer.concat([head, bytes]) : Buffer.from(bytes);
        const layout = findKeyframeIndex(body);
        if (layout) expect(layout.positionsAt + 9 * layout.capacity).toBeLessThanOrEqual(body.length);
      }),
    );
  });
});

describe('choosing entries for a fixed capacity', () => {
  it('keeps first and last and spreads the rest evenly when there are too many', () => {
    const chosen = selectKeyframes(entries(1000), 60);
    expect(chosen).toHaveLength(60);
    expect(chosen[0]).toEqual(entries(1)[0]);
    expect(chosen.at(-1)).toEqual(entries(1000).at(-1));
    const steps = chosen.slice(1).map((e, i) => (e.position - chosen[i]!.position) / 5000);
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(16);
    expect(Math.max(...steps)).toBeLessThanOrEqual(17); // 999 / 59 ≈ 16.9
  });

  it('any increasing keyframe list gives a non-decreasing index within capacity, first and last kept', () => {
    const body = metadataWithIndex(1800);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 15, max: 200_000 })), {
          maxLength: 20_000,
        }),
        (steps) => {
          let timeMs = 0;
          let position = 30_000;
          const list = steps.map(([dt, dp]) => {
            timeMs += dt;
            position += dp;
            return { timeMs, position };
          });
          const patches = keyframeIndexPatches(body, 0, list);
          if (list.length === 0) {
            expect(patches).toEqual([]);
            return;
          }
          const { times, filepositions } = decodedIndex(applied(body, patches));
          expect(times).toHaveLength(1800);
          for (let i = 1; i < 1800; i++) {
            expect(times[i]!).toBeGreaterThanOrEqual(times[i - 1]!);
            expect(filepositions[i]!).toBeGreaterThanOrEqual(filepositions[i - 1]!);
          }
          expect([times[0], filepositions[0]]).toEqual([list[0]!.timeMs / 1000, list[0]!.position]);
          const last = list.at(-1)!;
          expect([times.at(-1), filepositions.at(-1)]).toEqual([last.timeMs / 1000, last.position]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('which video tags are indexed', () => {
  it('lists sequence headers and keyframes, not inter frames or end of sequence', () => {
    expect(isIndexedVideoTag(Buffer.from('1700000000014d401f', 'hex'))).toBe(true); // AVC sequence header
    expect(isIndexedVideoTag(Buffer.from('170100000000000001', 'hex'))).toBe(true); // AVC keyframe
    expect(isIndexedVideoTag(Buffer.from('270100000000000001', 'hex'))).toBe(false); // inter frame
    expect(isIndexedVideoTag(Buffer.from('1702000000', 'hex'))).toBe(false); // end of sequence
    expect(isIndexedVideoTag(Buffer.from('5700', 'hex'))).toBe(false); // command frame
    const hvc1 = Buffer.from('hvc1').toString('hex');
    expect(isIndexedVideoTag(Buffer.from(`90${hvc1}01020304`, 'hex'))).toBe(true); // Enhanced SequenceStart
    expect(isIndexedVideoTag(Buffer.from(`91${hvc1}00000000000001`, 'hex'))).toBe(true); // key CodedFrames
    expect(isIndexedVideoTag(Buffer.from(`93${hvc1}00000001`, 'hex'))).toBe(true); // key CodedFramesX
    expect(isIndexedVideoTag(Buffer.from(`a3${hvc1}00000001`, 'hex'))).toBe(false); // inter CodedFramesX
    expect(isIndexedVideoTag(Buffer.from(`92${hvc1}`, 'hex'))).toBe(false); // SequenceEnd
  });

  it('never throws on arbitrary tag bodies', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(typeof isIndexedVideoTag(Buffer.from(bytes))).toBe('boolean');
      }),
    );
  });
});
