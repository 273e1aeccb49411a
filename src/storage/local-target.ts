import { constants, writevSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { appendFile, mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DirectWriteGate } from './direct-writes.js';
import {
  checkKey,
  StorageError,
  type StorageTarget,
  type StoredObjectInfo,
  type TargetFile,
} from './target.js';

/** `writev` takes at most this many buffers per call. */
const IOV_MAX = 1024;

/** The local media folder as a StorageTarget: a key is a path under `root`. */
export class LocalTarget implements StorageTarget {
  readonly root: string;
  readonly description: string;

  /** @param directWrites when appends may be written synchronously (shared by the targets on one disk). */
  constructor(
    root: string,
    private readonly directWrites: DirectWriteGate = new DirectWriteGate(),
  ) {
    this.root = resolve(root);
    this.description = `local ${this.root}`;
  }

  /** Absolute path of a key; throws `EINVAL` for a malformed key or one that would leave the root. */
  pathOf(key: string): string {
    checkKey(key);
    const path = resolve(this.root, key);
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..'))
      throw new StorageError('EINVAL', `storage key "${key}" is outside the media folder`);
    return path;
  }

  async create(key: string): Promise<TargetFile> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    return new LocalFile(key, await open(path, 'wx'), 0, this.directWrites);
  }

  async reopen(key: string): Promise<TargetFile> {
    const handle = await open(this.pathOf(key), 'r+');
    try {
      return new LocalFile(key, handle, (await handle.stat()).size, this.directWrites);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async truncate(key: string, length: number): Promise<void> {
    const handle = await open(this.pathOf(key), 'r+');
    try {
      await handle.truncate(length);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }

  async read(key: string, start = 0, end?: number, into?: Buffer): Promise<Buffer> {
    const handle = await open(this.pathOf(key), 'r');
    try {
      const size = (await handle.stat()).size;
      const length = Math.max(0, Math.min(end ?? size, size) - start);
      return await readExactly(handle, start, length, into && into.length >= length ? into : undefined);
    } finally {
      await handle.close();
    }
  }

  async appendTo(key: string, data: Buffer | string): Promise<void> {
    // O_APPEND without O_CREAT: appending to a missing object is an error, not a new one.
    await appendFile(this.pathOf(key), data, { flag: constants.O_WRONLY | constants.O_APPEND });
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Written beside and renamed over: a reader sees the old or the new object, never half of one.
    try {
      await writeFile(`${path}.partial`, data);
      await rename(`${path}.partial`, path);
    } catch (error) {
      await rm(`${path}.partial`, { force: true });
      throw error;
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, sizeBytes: s.size, modifiedAt: s.mtimeMs } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObjectInfo[]> {
    const out: StoredObjectInfo[] = [];
    const walk = async (key: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await readdir(key === '' ? this.root : this.pathOf(key), { withFileTypes: true });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw error;
      }
      for (const e of entries) {
        const child = key === '' ? e.name : `${key}/${e.name}`;
        if (e.isDirectory()) await walk(child);
        else if (e.isFile()) {
          const s = await stat(join(this.root, child)).catch(() => undefined);
          if (s) out.push({ key: child, sizeBytes: s.size, modifiedAt: s.mtimeMs });
        }
      }
    };
    await walk(prefix);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async rename(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    await mkdir(dirname(target), { recursive: true });
    await rename(this.pathOf(from), target);
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { recursive: true, force: true });
  }
}

/** Up to `length` bytes at `offset` of an open file (read into `into` when given); fewer only where the file ends. */
export async function readExactly(
  file: FileHandle,
  offset: number,
  length: number,
  into?: Buffer,
): Promise<Buffer> {
  const buffer = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) return buffer.subarray(0, done);
    done += bytesRead;
  }
  return buffer;
}

class LocalFile implements TargetFile {
  private closed = false;

  constructor(
    readonly key: string,
    private readonly handle: FileHandle,
    /** Where the next append goes: appends are positional, so a reopened file grows at its end. */
    private end: number,
    private readonly gate: DirectWriteGate,
  ) {}

  async append(buffers: readonly Buffer[]): Promise<void> {
    // `writev` may write less than asked (and takes at most IOV_MAX buffers): loop until all is out.
    const pending = buffers.filter((b) => b.length > 0);
    let index = 0;
    while (index < pending.length) {
      const { bytesWritten } = await this.handle.writev(pending.slice(index, index + IOV_MAX), this.end);
      index = this.wrote(pending, index, bytesWritten);
    }
  }

  canAppendNow(): boolean {
    return this.gate.open;
  }

  appendNow(buffers: readonly Buffer[]): void {
    const started = performance.now();
    const pending = buffers.filter((b) => b.length > 0);
    let index = 0;
    while (index < pending.length) {
      const bytesWritten = writevSync(this.handle.fd, pending.slice(index, index + IOV_MAX), this.end);
      index = this.wrote(pending, index, bytesWritten);
    }
    this.gate.took(performance.now() - started);
  }

  /** Accounts for a `writev` of `pending[index…]`; returns the index of the first buffer not wholly written. */
  private wrote(pending: Buffer[], index: number, bytesWritten: number): number {
    // A disk that has filled up may answer with a write of nothing rather than an error.
    if (bytesWritten === 0) throw new StorageError('ENOSPC', `no space left writing "${this.key}"`);
    this.end += bytesWritten;
    let next = index;
    let rest = bytesWritten;
    while (next < pending.length && rest >= pending[next]!.length) {
      rest -= pending[next]!.length;
      next++;
    }
    if (rest > 0) pending[next] = pending[next]!.subarray(rest);
    return next;
  }

  async patch(position: number, data: Buffer): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      done += bytesWritten;
    }
  }

  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
