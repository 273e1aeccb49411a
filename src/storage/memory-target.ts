import {
  checkKey,
  StorageError,
  type StorageTarget,
  type StoredObjectInfo,
  type TargetFile,
} from './target.js';

interface MemoryObject {
  data: Buffer;
  size: number;
  modifiedAt: number;
}

/** A fault to inject: every operation of `kind` on a key matching `key` rejects with `code`. */
export interface MemoryFault {
  kind: 'create' | 'append' | 'patch' | 'sync' | 'put';
  key?: RegExp;
  code: string;
  /**
   * Appends only: the first `afterBytes` bytes of the object are written, then the append that would
   * go past them writes what fits and rejects (a disk that fills up mid-file, leaving a torn tail).
   */
  afterBytes?: number;
}

/**
 * A StorageTarget in memory, for unit tests: no disk, no timers. Tests can inject failures
 * (`fail`) and hold appends until they choose (`stall` / `release`) to play a slow or broken disk.
 */
export class MemoryTarget implements StorageTarget {
  readonly description = 'memory';
  private readonly objects = new Map<string, MemoryObject>();
  private readonly faults: MemoryFault[] = [];
  private stalled: Array<() => void> | undefined;

  constructor(private readonly now: () => number = () => 0) {}

  /** From now on, operations of `fault.kind` on matching keys reject with `fault.code`. */
  fail(fault: MemoryFault): void {
    this.faults.push(fault);
  }

  /** Appends wait (unresolved) until `release`. */
  stall(): void {
    this.stalled ??= [];
  }

  release(): void {
    const waiting = this.stalled ?? [];
    this.stalled = undefined;
    for (const resume of waiting) resume();
  }

  /** The whole content of `key` (a test's view; `read` is the target's). */
  bytes(key: string): Buffer {
    const o = this.objects.get(key);
    if (!o) throw new StorageError('ENOENT', `no object "${key}"`);
    return o.data.subarray(0, o.size);
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  async create(key: string): Promise<TargetFile> {
    checkKey(key);
    this.check('create', key);
    if (this.objects.has(key)) throw new StorageError('EEXIST', `"${key}" exists`);
    const object: MemoryObject = { data: Buffer.alloc(0), size: 0, modifiedAt: this.now() };
    this.objects.set(key, object);
    return this.fileOf(key, object);
  }

  async reopen(key: string): Promise<TargetFile> {
    checkKey(key);
    const object = this.objects.get(key);
    if (!object) throw new StorageError('ENOENT', `no object "${key}"`);
    return this.fileOf(key, object);
  }

  async truncate(key: string, length: number): Promise<void> {
    checkKey(key);
    const object = this.objects.get(key);
    if (!object) throw new StorageError('ENOENT', `no object "${key}"`);
    object.size = Math.min(object.size, length);
    object.modifiedAt = this.now();
  }

  private fileOf(key: string, object: MemoryObject): TargetFile {
    let closed = false;
    const open = () => {
      if (closed) throw new StorageError('EBADF', `"${key}" is closed`);
    };
    return {
      key,
      append: async (buffers) => {
        open();
        const stalled = this.stalled;
        if (stalled) await new Promise<void>((resume) => stalled.push(resume));
        const fault = this.faultFor('append', key);
        for (const b of buffers) {
          const room = fault ? Math.max(0, (fault.afterBytes ?? 0) - object.size) : b.length;
          write(object, object.size, b.subarray(0, room));
          if (room < b.length) throw new StorageError(fault!.code, `append "${key}" failed (injected)`);
        }
        object.modifiedAt = this.now();
      },
      patch: async (position, data) => {
        open();
        this.check('patch', key);
        if (position + data.length > object.size)
          throw new StorageError('EINVAL', `patch past the end of "${key}"`);
        write(object, position, data);
      },
      sync: async () => {
        open();
        this.check('sync', key);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  async read(key: string, start = 0, end?: number): Promise<Buffer> {
    checkKey(key);
    return Buffer.from(this.bytes(key).subarray(start, end));
  }

  async appendTo(key: string, data: Buffer | string): Promise<void> {
    checkKey(key);
    this.check('put', key);
    const old = this.objects.get(key);
    if (!old) throw new StorageError('ENOENT', `"${key}" does not exist`);
    const bytes = Buffer.concat([old.data.subarray(0, old.size), Buffer.from(data)]);
    this.objects.set(key, { data: bytes, size: bytes.length, modifiedAt: this.now() });
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    checkKey(key);
    this.check('put', key);
    const bytes = Buffer.from(data);
    this.objects.set(key, { data: bytes, size: bytes.length, modifiedAt: this.now() });
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    checkKey(key);
    const o = this.objects.get(key);
    return o && { key, sizeBytes: o.size, modifiedAt: o.modifiedAt };
  }

  async list(prefix: string): Promise<StoredObjectInfo[]> {
    if (prefix !== '') checkKey(prefix);
    return this.keys()
      .filter((k) => prefix === '' || k.startsWith(`${prefix}/`))
      .map((k) => {
        const o = this.objects.get(k)!;
        return { key: k, sizeBytes: o.size, modifiedAt: o.modifiedAt };
      });
  }

  async rename(from: string, to: string): Promise<void> {
    checkKey(from);
    checkKey(to);
    const o = this.objects.get(from);
    if (!o) throw new StorageError('ENOENT', `no object "${from}"`);
    this.objects.delete(from);
    this.objects.set(to, o);
  }

  async remove(key: string): Promise<void> {
    checkKey(key);
    for (const k of this.keys()) if (k === key || k.startsWith(`${key}/`)) this.objects.delete(k);
  }

  private faultFor(kind: MemoryFault['kind'], key: string): MemoryFault | undefined {
    return this.faults.find((f) => f.kind === kind && (f.key?.test(key) ?? true));
  }

  private check(kind: MemoryFault['kind'], key: string): void {
    const fault = this.faultFor(kind, key);
    if (fault) throw new StorageError(fault.code, `${kind} "${key}" failed (injected)`);
  }
}

function write(object: MemoryObject, position: number, data: Buffer): void {
  const end = position + data.length;
  if (end > object.data.length) {
    const grown = Buffer.alloc(Math.max(end, object.data.length * 2));
    object.data.copy(grown, 0, 0, object.size);
    object.data = grown;
  }
  data.copy(object.data, position);
  object.size = Math.max(object.size, end);
}
