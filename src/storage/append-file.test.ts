import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppendFile } from './append-file.js';

const options = { maxPendingBytes: 1 << 20, syncIntervalMs: 1000, coalesceBytes: 4096, coalesceMs: 20 };

describe('AppendFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'append-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes everything in order, including writes made before the file was open', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 5000 }), { maxLength: 60 }), async (chunks) => {
        const path = join(dir, `f-${Math.random()}`);
        const f = AppendFile.create(path, options);
        for (const c of chunks) f.write(Buffer.from(c));
        await f.close();
        expect(f.failure).toBeUndefined();
        expect(await readFile(path)).toEqual(Buffer.concat(chunks.map((c) => Buffer.from(c))));
      }),
      { numRuns: 30 },
    );
  });

  it('patches bytes already written', async () => {
    const path = join(dir, 'patch');
    const f = AppendFile.create(path, options);
    f.write(Buffer.from('hello world'));
    await f.patch(6, Buffer.from('WORLD'));
    f.write(Buffer.from('!'));
    await f.close();
    expect(await readFile(path, 'utf8')).toBe('hello WORLD!');
  });

  it('never overwrites an existing file and reports why', async () => {
    const path = join(dir, 'existing');
    await writeFile(path, 'keep');
    const errors: Error[] = [];
    const f = AppendFile.create(path, options);
    f.onError = (e) => errors.push(e);
    f.write(Buffer.from('x'));
    await f.close();
    expect(f.failure?.message).toMatch(/EEXIST/);
    expect(await readFile(path, 'utf8')).toBe('keep');
  });

  it('fails, once, when the disk cannot keep up, instead of growing memory', async () => {
    const f = AppendFile.create(join(dir, 'slow'), { ...options, maxPendingBytes: 1000 });
    const errors: Error[] = [];
    f.onError = (e) => errors.push(e);
    for (let i = 0; i < 10; i++) f.write(Buffer.alloc(500));
    await f.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/disk too slow/);
  });
});
