import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('hands back a released buffer, and keeps at most `keep` of them', () => {
    const pool = new BufferPool(1024, 2);
    const [a, b, c] = [pool.acquire(), pool.acquire(), pool.acquire()];
    expect(a.length).toBe(1024);
    pool.release(a);
    pool.release(b);
    pool.release(c);
    expect(pool.held).toBe(2);
    const again = pool.acquire();
    expect(again === a || again === b).toBe(true);
  });

  it('takes back only whole buffers of its size', () => {
    const pool = new BufferPool(1024, 4);
    pool.release(pool.acquire().subarray(0, 10));
    pool.release(Buffer.alloc(512));
    expect(pool.held).toBe(0);
  });
});
