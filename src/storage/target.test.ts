import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTarget } from './local-target.js';
import { MemoryTarget } from './memory-target.js';
import { checkKey, type StorageTarget, storageErrorCode } from './target.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livetape-target-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const targets: Array<[string, () => StorageTarget]> = [
  ['LocalTarget', () => new LocalTarget(join(dir, String(Math.random()).slice(2)))],
  ['MemoryTarget', () => new MemoryTarget()],
];

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (error: unknown) => storageErrorCode(error),
  );
}

describe.each(targets)('%s', (_, make) => {
  it('appends in order, patches in place, reads ranges back, and stats the size', async () => {
    const t = make();
    const f = await t.create('live/a/2026-01-01/a.flv');
    await f.append([Buffer.from('hello '), Buffer.from('world')]);
    await f.append([Buffer.from('!')]);
    await f.patch(0, Buffer.from('J'));
    await f.sync();
    await f.close();
    expect((await t.read('live/a/2026-01-01/a.flv')).toString()).toBe('Jello world!');
    expect((await t.read('live/a/2026-01-01/a.flv', 6, 11)).toString()).toBe('world');
    expect((await t.read('live/a/2026-01-01/a.flv', 10, 100)).toString()).toBe('d!');
    // A buffer to read into changes where the bytes land, never which bytes come back.
    const into = Buffer.alloc(16, 0x2a);
    expect((await t.read('live/a/2026-01-01/a.flv', 6, 11, into)).toString()).toBe('world');
    expect((await t.read('live/a/2026-01-01/a.flv', 10, 100, into)).toString()).toBe('d!');
    expect((await t.stat('live/a/2026-01-01/a.flv'))?.sizeBytes).toBe(12);
    expect(await t.stat('live/a/2026-01-01/none.flv')).toBeUndefined();
  });

  it('grows a put object with appendTo, and refuses to append to a missing one', async () => {
    const t = make();
    await t.put('live/a/2026-01-01/a/index.m3u8', '#EXTM3U\n');
    await t.appendTo('live/a/2026-01-01/a/index.m3u8', '#EXTINF:2,\n000000.ts\n');
    await t.appendTo('live/a/2026-01-01/a/index.m3u8', Buffer.from('#EXTINF:2,\n000001.ts\n'));
    expect((await t.read('live/a/2026-01-01/a/index.m3u8')).toString()).toBe(
      '#EXTM3U\n#EXTINF:2,\n000000.ts\n#EXTINF:2,\n000001.ts\n',
    );
    await expect(t.appendTo('live/a/2026-01-01/none.m3u8', 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates exclusively: a second create of a key fails with EEXIST', async () => {
    const t = make();
    await (await t.create('x/y.mp4')).close();
    expect(await code(t.create('x/y.mp4'))).toBe('EEXIST');
  });

  it('lists a folder recursively and sorted, renames, puts, and removes files and folders', async () => {
    const t = make();
    await t.put('s/hls/index.m3u8', '#EXTM3U\n');
    for (const name of ['000001.ts', '000000.ts']) {
      const f = await t.create(`s/hls/${name}`);
      await f.append([Buffer.alloc(10)]);
      await f.close();
    }
    await t.put('s/hls/index.m3u8', '#EXTM3U\n#EXT-X-ENDLIST\n');
    expect((await t.list('s')).map((o) => [o.key, o.sizeBytes])).toEqual([
      ['s/hls/000000.ts', 10],
      ['s/hls/000001.ts', 10],
      ['s/hls/index.m3u8', 23],
    ]);
    await t.rename('s/hls/000001.ts', 's/hls/000002.ts');
    expect((await t.list('s/hls')).map((o) => o.key)).toContain('s/hls/000002.ts');
    await t.remove('s/hls/000000.ts');
    expect(await t.stat('s/hls/000000.ts')).toBeUndefined();
    await t.remove('s');
    expect(await t.list('s')).toEqual([]);
    await t.remove('never/was');
  });

  it('reopens an existing file to patch and append, truncates it, and lists the whole target with ""', async () => {
    const t = make();
    await t.put('a/b/c.flv', 'hello, torn tail');
    await t.put('z.txt', 'z');
    await t.truncate('a/b/c.flv', 5);
    const f = await t.reopen('a/b/c.flv');
    await f.patch(0, Buffer.from('J'));
    await f.append([Buffer.from('!')]);
    await f.sync();
    await f.close();
    expect((await t.read('a/b/c.flv')).toString()).toBe('Jello!');
    expect(await code(t.reopen('a/b/none.flv'))).toBe('ENOENT');
    expect(await code(t.truncate('a/b/none.flv', 0))).toBe('ENOENT');
    expect((await t.list('')).map((o) => o.key)).toEqual(['a/b/c.flv', 'z.txt']);
  });

  it('refuses keys that are not plain relative names with EINVAL', async () => {
    const t = make();
    for (const key of ['', '/abs', 'a/../b', '../up', 'a//b', 'a\\b', 'a/./b', 'nul\0'])
      expect(await code(t.create(key)), key).toBe('EINVAL');
  });
});

describe('checkKey', () => {
  it('accepts exactly the keys whose segments are non-empty and not . or .. (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 5 }), (segments) => {
        const key = segments.join('/');
        const valid =
          !key.includes('\0') &&
          !key.includes('\\') &&
          key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
        let accepted = true;
        try {
          checkKey(key);
        } catch (error) {
          expect(storageErrorCode(error)).toBe('EINVAL');
          accepted = false;
        }
        expect(accepted).toBe(valid);
      }),
    );
  });
});

describe('MemoryTarget faults', () => {
  it('rejects with the injected code and holds appends while stalled', async () => {
    const t = new MemoryTarget();
    const f = await t.create('a/b.flv');
    t.stall();
    let done = false;
    const pending = f.append([Buffer.from('x')]).then(() => {
      done = true;
    });
    await Promise.resolve();
    expect(done).toBe(false);
    t.release();
    await pending;
    expect(t.bytes('a/b.flv').toString()).toBe('x');
    t.fail({ kind: 'append', code: 'ENOSPC', afterBytes: 3 });
    expect(await code(f.append([Buffer.from('yz'), Buffer.from('w')]))).toBe('ENOSPC');
    expect(t.bytes('a/b.flv').toString()).toBe('xyz'); // what fitted, as a disk filling up writes it
  });
});

describe('LocalTarget.read into a buffer', () => {
  it('reads into the given buffer and returns a view of it, so a copy loop allocates nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'livetape-read-into-'));
    try {
      const t = new LocalTarget(dir);
      await t.put('a/b.bin', Buffer.from('0123456789'));
      const into = Buffer.alloc(8);
      const got = await t.read('a/b.bin', 2, 7, into);
      expect(got.toString()).toBe('23456');
      expect(got.buffer).toBe(into.buffer);
      // Too small to hold the range: a buffer of its own.
      const own = await t.read('a/b.bin', 0, 10, into);
      expect(own.toString()).toBe('0123456789');
      expect(own.buffer).not.toBe(into.buffer);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
