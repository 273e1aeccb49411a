import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AppendFile } from './append-file.js';
import { DirectWriteGate } from './direct-writes.js';
import { LocalTarget } from './local-target.js';

const dir = mkdtempSync(join(tmpdir(), 'lt-direct-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = { syncIntervalMs: 0, coalesceBytes: 4096, coalesceMs: 5, stallTimeoutMs: 30_000 };
let fileNo = 0;

function counter() {
  const seen = { now: 0 };
  return {
    seen,
    change(delta: number) {
      seen.now += delta;
    },
  };
}

async function opened(target: LocalTarget, pending = counter()) {
  const key = `f${fileNo++}.bin`;
  const file = AppendFile.create(target, key, options, pending);
  await file.opened;
  return { file, key, pending, path: join(dir, key) };
}

describe('direct writes to the local disk', () => {
  it('a gathered write is in the file when write() returns, and nothing is left waiting', async () => {
    const { file, path, pending } = await opened(new LocalTarget(dir));
    const bytes = Buffer.alloc(options.coalesceBytes, 7);
    file.write(bytes);
    expect(pending.seen.now).toBe(0);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    await file.close();
  });

  it('with the gate shut (RECORD_DIRECT_WRITES=false) the write goes through the pool', async () => {
    const { file, path, pending } = await opened(
      new LocalTarget(dir, new DirectWriteGate({ enabled: false })),
    );
    file.write(Buffer.alloc(options.coalesceBytes, 7));
    expect(pending.seen.now).toBe(options.coalesceBytes); // handed to the pool, not written yet
    await file.close();
    expect(readFileSync(path).length).toBe(options.coalesceBytes);
  });

  it('keeps every byte in order while writes switch between the main thread and the pool', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 9000 }), fc.boolean()), { maxLength: 40 }),
        async (writes) => {
          const switchable = { enabled: true };
          const { file, path, pending } = await opened(new LocalTarget(dir, new DirectWriteGate(switchable)));
          for (const [chunk, direct] of writes) {
            switchable.enabled = direct;
            file.write(Buffer.from(chunk));
            // Let some pool writes land between the others.
            if (!direct) await new Promise((resolve) => setImmediate(resolve));
          }
          await file.close();
          expect(file.failure).toBeUndefined();
          expect(pending.seen.now).toBe(0);
          expect(readFileSync(path).equals(Buffer.concat(writes.map(([c]) => Buffer.from(c))))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a slow write shuts the gate for a while and is reported once', async () => {
    const slow: number[] = [];
    // Every write counts as slow here; the gate stays shut for an hour once one was.
    const gate = new DirectWriteGate({ slowMs: -1, poolMs: 3_600_000, onSlowWrite: (ms) => slow.push(ms) });
    const { file, path, pending } = await opened(new LocalTarget(dir, gate));
    file.write(Buffer.alloc(options.coalesceBytes, 1));
    expect(pending.seen.now).toBe(0); // written directly: the gate was open
    expect(gate.open).toBe(false);
    file.write(Buffer.alloc(options.coalesceBytes, 2));
    expect(pending.seen.now).toBe(options.coalesceBytes); // now through the pool
    await file.close();
    expect(readFileSync(path).length).toBe(2 * options.coalesceBytes);
    expect(slow).toHaveLength(1);
  });

  it('a write that fails is reported after write() returned, and the file stops', async () => {
    const { file, pending } = await opened(new LocalTarget(dir));
    const errors: Error[] = [];
    let inWrite = false;
    file.onError = (error) => {
      expect(inWrite).toBe(false);
      errors.push(error);
    };
    // Pull the descriptor from under the file: the next synchronous write fails with EBADF.
    await (file as unknown as { file: { close(): Promise<void> } }).file.close();
    inWrite = true;
    file.write(Buffer.alloc(options.coalesceBytes, 3));
    inWrite = false;
    expect(file.failure).toBeDefined();
    expect(pending.seen.now).toBe(0);
    await Promise.resolve();
    expect(errors).toHaveLength(1);
    file.write(Buffer.alloc(options.coalesceBytes, 4)); // ignored
    expect(pending.seen.now).toBe(0);
    await file.close();
  });
});
