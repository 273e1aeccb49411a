import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { MemoryTarget } from './memory-target.js';
import { MAX_SPILL_BACKLOG_BYTES, SegmentSpill } from './segment-spill.js';

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
    expect(target.keys()).toEqual(['push_1/0.ts', 'push_1/1.ts']);
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
});
