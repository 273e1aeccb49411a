import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppendFile } from './append-file.js';
import { MemoryTarget } from './memory-target.js';
import { storageErrorCode } from './target.js';

const options = { syncIntervalMs: 1000, coalesceBytes: 4096, coalesceMs: 5, stallTimeoutMs: 30_000 };

/** Counts what the file reports as waiting for storage. */
function pendingCounter() {
  const seen = { now: 0, peak: 0 };
  return {
    seen,
    change(delta: number) {
      seen.now += delta;
      seen.peak = Math.max(seen.peak, seen.now);
    },
  };
}

describe('AppendFile', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes everything in order, including writes made before the file was open, and reports the backlog back to 0', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 60 }), async (chunks) => {
        const target = new MemoryTarget();
        const pending = pendingCounter();
        const f = AppendFile.create(target, 'a/f.flv', options, pending);
        for (const c of chunks) f.write(Buffer.from(c));
        const total = chunks.reduce((n, c) => n + c.length, 0);
        expect(pending.seen.now).toBe(total);
        await f.close();
        expect(f.failure).toBeUndefined();
        expect(pending.seen.now).toBe(0);
        expect(target.bytes('a/f.flv')).toEqual(Buffer.concat(chunks.map((c) => Buffer.from(c))));
      }),
      { numRuns: 30 },
    );
  });

  it('patches bytes already written', async () => {
    const target = new MemoryTarget();
    const f = AppendFile.create(target, 'patch', options);
    f.write(Buffer.from('hello world'));
    await f.patch(6, Buffer.from('WORLD'));
    f.write(Buffer.from('!'));
    await f.close();
    expect(target.bytes('patch').toString()).toBe('hello WORLD!');
  });

  it('never overwrites an existing file and reports why', async () => {
    const target = new MemoryTarget();
    await target.put('existing', 'keep');
    const errors: Error[] = [];
    const f = AppendFile.create(target, 'existing', options);
    f.onError = (e) => errors.push(e);
    f.write(Buffer.from('x'));
    await f.close();
    expect(storageErrorCode(f.failure)).toBe('EEXIST');
    expect(errors).toHaveLength(1);
    expect(target.bytes('existing').toString()).toBe('keep');
  });

  it('keeps everything a slow store has not taken yet (no limit, no loss) and reports it as waiting', async () => {
    const target = new MemoryTarget();
    const pending = pendingCounter();
    const f = AppendFile.create(target, 'slow', options, pending);
    await f.opened;
    target.stall();
    for (let i = 0; i < 100; i++) f.write(Buffer.alloc(100_000, i));
    await vi.waitFor(() => expect(pending.seen.now).toBe(10_000_000));
    target.release();
    await f.close();
    expect(f.failure).toBeUndefined();
    expect(pending.seen.now).toBe(0);
    expect(target.bytes('slow').length).toBe(10_000_000);
    expect(target.bytes('slow')[9_999_999]).toBe(99);
  });

  it('fails with ETIMEDOUT when storage makes no progress for stallTimeoutMs, dropping the backlog once', async () => {
    vi.useFakeTimers();
    const target = new MemoryTarget();
    const pending = pendingCounter();
    const errors: Error[] = [];
    const f = AppendFile.create(target, 'stuck', { ...options, stallTimeoutMs: 10_000 }, pending);
    f.onError = (e) => errors.push(e);
    await f.opened;
    target.stall();
    f.write(Buffer.alloc(10_000));
    await vi.advanceTimersByTimeAsync(9_000);
    expect(f.failure).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(storageErrorCode(f.failure)).toBe('ETIMEDOUT');
    expect(errors).toHaveLength(1);
    expect(pending.seen.now).toBe(0);
    f.write(Buffer.alloc(10)); // ignored after the failure
    expect(pending.seen.now).toBe(0);
  });

  it('stops at the first storage error (EIO) and ignores later writes', async () => {
    const target = new MemoryTarget();
    const f = AppendFile.create(target, 'broken', options);
    f.write(Buffer.from('first'));
    await f.flush();
    target.fail({ kind: 'append', code: 'EIO' });
    f.write(Buffer.alloc(5000));
    await f.close();
    expect(storageErrorCode(f.failure)).toBe('EIO');
    expect(target.bytes('broken').toString()).toBe('first');
  });

  it('syncs when its clock has moved a sync interval on, not before', async () => {
    let now = 0;
    const target = new MemoryTarget();
    // A sync is seen as the injected failure it runs into.
    target.fail({ kind: 'sync', code: 'EIO' });
    const f = AppendFile.create(target, 'clocked', { ...options, now: () => now });
    f.write(Buffer.from('a'));
    await f.flush();
    now = options.syncIntervalMs - 1;
    f.write(Buffer.from('b'));
    await f.flush();
    expect(f.failure).toBeUndefined();
    now = options.syncIntervalMs;
    f.write(Buffer.from('c'));
    await f.flush();
    expect(storageErrorCode(f.failure)).toBe('EIO');
  });

  it('with a sync interval of 0 syncs only when it closes', async () => {
    let now = 0;
    const target = new MemoryTarget();
    target.fail({ kind: 'sync', code: 'EIO' });
    const f = AppendFile.create(target, 'unsynced', { ...options, syncIntervalMs: 0, now: () => now });
    for (const part of ['a', 'b', 'c']) {
      now += 3_600_000;
      f.write(Buffer.from(part));
      await f.flush();
    }
    expect(f.failure).toBeUndefined();
    await f.close();
    expect(storageErrorCode(f.failure)).toBe('EIO');
  });
});
