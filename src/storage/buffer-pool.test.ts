import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('reuses released buffers instead of making new ones', async () => {
    const pool = new BufferPool(1024, 2);
    const a = await pool.acquire();
    expect(a.length).toBe(1024);
    pool.release(a);
    const again = await pool.acquire();
    expect(again).toBe(a);
    const b = await pool.acquire();
    expect(b).not.toBe(a);
    expect(pool.allocated).toBe(2);
  });

  it('never makes more than `size` buffers: an acquire past them waits for the next release', async () => {
    const pool = new BufferPool(1024, 2);
    const [a, b] = [await pool.acquire(), await pool.acquire()];
    let third: Buffer | undefined;
    const waiting = pool.acquire().then((buffer) => {
      third = buffer;
    });
    await Promise.resolve();
    expect(third).toBeUndefined();
    pool.release(b);
    await waiting;
    expect(third).toBe(b);
    expect(pool.allocated).toBe(2);
    pool.release(a);
    expect(await pool.acquire()).toBe(a);
  });
});
