import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { MemoryTarget } from './memory-target.js';
import { MAX_SPILL_BACKLOG_BYTES, SegmentSpill, STAGING_BYTES } from './segment-spill.js';
import type { TargetFile } from './target.js';

/** A MemoryTarget that records every append: how many buffers, how many bytes, and which memory. */
class CountingTarget extends MemoryTarget {
  readonly appends: Array<{ key: string; bytes: number; memory: ArrayBufferLike[] }> = [];

  override async create(key: string): Promise<TargetFile> {
    const file = await super.create(key);
    return {
      ...file,
      append: (buffers) => {
        const bytes = buffers.reduce((n, b) => n + b.length, 0);
        this.appends.push({ key, bytes, memory: buffers.map((b) => b.buffer) });
        return file.append(buffers);
      },
    };
  }
}

describe('SegmentSpill', () => {
  it('writes each segment while it is built and serves it once it is complete', async () => {
    const target = new MemoryTarget();
    const errors: number[] = [];
    const spill = new SegmentSpill(target, 'push:1', (seq) => errors.push(seq));
    spill.begin(0);
    spill.append(Buffer.from('first '));
    spill.append(Buffer.from('segment'));
    spill.begin(1); // ends segment 0
    spill.append(Buffer.from('second'));
    expect((await spill.read(0))?.toString()).toBe('first segment');
    spill.end();
    expect((await spill.read(1))?.toString()).toBe('second');
    expect(target.keys()).toEqual(['push_1/0.rec', 'push_1/1.rec']);
    await spill.remove(0);
    expect(await spill.read(0)).toBeUndefined();
    await spill.removeAll();
    expect(target.keys()).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('gives a segment up instead of holding more than its backlog for a disk that does not keep up', async () => {
    const target = new MemoryTarget();
    target.stall();
    const errors: Array<[number, Error]> = [];
    const spill = new SegmentSpill(target, 'slow', (seq, error) => errors.push([seq, error]));
    spill.begin(7);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < MAX_SPILL_BACKLOG_BYTES / chunk.length + 4; i++) spill.append(chunk);
    expect(errors.map(([seq]) => seq)).toEqual([7]);
    expect(errors[0]![1].message).toContain('waiting for the disk');
    target.release();
    spill.end();
    await waitFor(async () => ((await spill.read(7)) ? true : undefined));
    expect((await spill.read(7))!.length).toBeLessThanOrEqual(MAX_SPILL_BACKLOG_BYTES);
  });

  it('writes a segment in staging-buffer-sized writes, reusing the same few buffers', async () => {
    const target = new CountingTarget();
    const spill = new SegmentSpill(target, 'push', () => undefined);
    // Four segments of ~1.3 MB (4 s at 2.67 Mbps), appended as 10 KB frames from one reused buffer,
    // the way the packager's muxer hands them over, with the event loop turning between frames as it
    // does between the frames of a real-time stream.
    const frame = Buffer.alloc(10_000);
    for (let seq = 0; seq < 4; seq++) {
      spill.begin(seq);
      for (let i = 0; i < 133; i++) {
        spill.append(frame.fill(i));
        await new Promise(setImmediate);
      }
    }
    spill.end();
    await spill.read(3);
    for (let seq = 0; seq < 4; seq++) {
      const writes = target.appends.filter((a) => a.key === `push/${seq}.rec`);
      expect(writes.length).toBe(Math.ceil(1_330_000 / STAGING_BYTES));
      expect(writes.slice(0, -1).every((w) => w.bytes === STAGING_BYTES)).toBe(true);
    }
    expect(new Set(target.appends.flatMap((a) => a.memory)).size).toBeLessThanOrEqual(2);
  });

  it('keeps every byte of every segment, whatever the sizes of what it is given', async () => {
    const chunkSizes = fc.array(fc.integer({ min: 0, max: 2.5 * STAGING_BYTES }), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.array(chunkSizes, { minLength: 1, maxLength: 4 }), async (segments) => {
        const target = new MemoryTarget();
        const spill = new SegmentSpill(target, 'p', () => undefined);
        const source = Buffer.alloc(2.5 * STAGING_BYTES);
        const expected: Buffer[] = [];
        let fill = 0;
        for (const [seq, sizes] of segments.entries()) {
          spill.begin(seq);
          const parts: Buffer[] = [];
          for (const size of sizes) {
            // The caller reuses its buffer as soon as append returns (the packager's record header).
            const chunk = source.subarray(0, size).fill(++fill % 251);
            parts.push(Buffer.from(chunk));
            spill.append(chunk);
          }
          expected.push(Buffer.concat(parts));
        }
        spill.end();
        for (const [seq, bytes] of expected.entries()) {
          expect((await spill.read(seq))?.equals(bytes)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('reports a segment whose writes fail, and the next segment is whole', async () => {
    const target = new MemoryTarget();
    target.fail({ kind: 'append', key: /\/1\.rec$/, code: 'ENOSPC', afterBytes: 1000 });
    const errors: Array<[number, string]> = [];
    const spill = new SegmentSpill(target, 'full', (seq, error) => errors.push([seq, error.message]));
    const segment = (seq: number) => Buffer.alloc(3 * STAGING_BYTES + 5, seq);
    for (let seq = 0; seq < 3; seq++) {
      spill.begin(seq);
      spill.append(segment(seq));
      await new Promise(setImmediate);
    }
    spill.end();
    expect((await spill.read(0))?.equals(segment(0))).toBe(true);
    expect((await spill.read(2))?.equals(segment(2))).toBe(true);
    expect(errors.map(([seq]) => seq)).toEqual([1]);
    expect(errors[0]![1]).toContain('ENOSPC');
  });
});
