import { LocalTarget } from '../../src/storage/local-target.js';
import { StorageError, type StorageTarget, type TargetFile } from '../../src/storage/target.js';

/**
 * The local media folder with a disk that a test can slow down or break: while `stalled`, appends
 * wait (as on a disk that stopped answering); `failAppends` makes appends to matching keys fail with a
 * code once they have taken `afterBytes`; `failCreates` refuses new files. Everything else is the real LocalTarget.
 */
export class FaultyTarget implements StorageTarget {
  private readonly local: LocalTarget;
  private stalledUntil: Promise<void> | undefined;
  private release: (() => void) | undefined;
  private failure: { key: RegExp; code: string; afterBytes: number } | undefined;
  private createFailure: { key: RegExp; code: string } | undefined;
  private readonly appended = new Map<string, number>();
  /** Appends that waited on a stall. */
  stalledAppends = 0;

  constructor(root: string) {
    this.local = new LocalTarget(root);
  }

  get description(): string {
    return `faulty ${this.local.description}`;
  }

  stall(): void {
    this.stalledUntil ??= new Promise((resolve) => {
      this.release = resolve;
    });
  }

  resume(): void {
    this.release?.();
    this.stalledUntil = undefined;
    this.release = undefined;
  }

  failAppends(key: RegExp, code: string, afterBytes: number): void {
    this.failure = { key, code, afterBytes };
  }

  /** Creating a file whose key matches fails with `code`, as on a read-only or full disk. */
  failCreates(key: RegExp, code: string): void {
    this.createFailure = { key, code };
  }

  async create(key: string): Promise<TargetFile> {
    const refused = this.createFailure;
    if (refused?.key.test(key)) throw new StorageError(refused.code, `create ${key} failed (test disk)`);
    const file = await this.local.create(key);
    return {
      key,
      append: async (buffers) => {
        if (this.stalledUntil) {
          this.stalledAppends++;
          await this.stalledUntil;
        }
        const before = this.appended.get(key) ?? 0;
        const f = this.failure;
        if (f?.key.test(key) && before >= f.afterBytes)
          throw new StorageError(f.code, `append to ${key} failed (test disk)`);
        this.appended.set(key, before + buffers.reduce((n, b) => n + b.length, 0));
        await file.append(buffers);
      },
      patch: (position, data) => file.patch(position, data),
      sync: () => file.sync(),
      close: () => file.close(),
    };
  }

  reopen(key: string): Promise<TargetFile> {
    return this.local.reopen(key);
  }
  truncate(key: string, length: number): Promise<void> {
    return this.local.truncate(key, length);
  }
  read(key: string, start?: number, end?: number): Promise<Buffer> {
    return this.local.read(key, start, end);
  }
  appendTo(key: string, data: Buffer | string): Promise<void> {
    return this.local.appendTo(key, data);
  }

  put(key: string, data: Buffer | string): Promise<void> {
    return this.local.put(key, data);
  }
  stat(key: string) {
    return this.local.stat(key);
  }
  list(prefix: string) {
    return this.local.list(prefix);
  }
  rename(from: string, to: string): Promise<void> {
    return this.local.rename(from, to);
  }
  remove(key: string): Promise<void> {
    return this.local.remove(key);
  }
}
