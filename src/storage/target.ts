/**
 * Where recorded media lives. Everything that reads or writes recordings goes through a
 * `StorageTarget`: the local media folder (`LocalTarget`), an in-memory one for unit tests
 * (`MemoryTarget`), and object storage behind the same seam. Keys are relative `/`-separated names made
 * by `layout.ts` only; a target checks that a key is well-formed and never leaves its root.
 *
 * Errors carry Node-style codes so callers can tell them apart without knowing the target: `EEXIST`
 * (create of a key that exists), `ENOENT` (missing key), `ENOSPC` / `EIO` (the storage failed),
 * `EINVAL` (a malformed key).
 */

export interface StoredObjectInfo {
  readonly key: string;
  readonly sizeBytes: number;
  /** Last modification, ms since the epoch. */
  readonly modifiedAt: number;
}

/** A file being written: appended in order, patched at close (headers, durations), synced, closed. */
export interface TargetFile {
  readonly key: string;
  /** Appends in order; resolves once the bytes are in the target (not necessarily durable: `sync`). */
  append(buffers: readonly Buffer[]): Promise<void>;
  /**
   * Where present and true: `appendNow` may be used instead of `append` for the next bytes (a local disk
   * that answers in microseconds, see direct-writes.ts).
   */
  canAppendNow?(): boolean;
  /** Appends in order, synchronously; throws what `append` would reject with. */
  appendNow?(buffers: readonly Buffer[]): void;
  /** Overwrites bytes already appended, at `position` (MP4/FLV header patches when a file closes). */
  patch(position: number, data: Buffer): Promise<void>;
  /** Makes everything appended or patched so far durable. */
  sync(): Promise<void>;
  /** Releases the file; further calls fail. Closing twice is harmless. */
  close(): Promise<void>;
}

export interface StorageTarget {
  /** A short description for logs ("local /srv/media", "memory"). */
  readonly description: string;
  /** Creates `key` (and any folders above it) exclusively: rejects with `EEXIST` if it exists. */
  create(key: string): Promise<TargetFile>;
  /**
   * Opens the existing `key` again to patch or append to it (a file a crash or a storage failure left
   * behind, being repaired); rejects with `ENOENT` when it does not exist.
   */
  reopen(key: string): Promise<TargetFile>;
  /** Cuts `key` to its first `length` bytes, durably (a torn tail after a crash). */
  truncate(key: string, length: number): Promise<void>;
  /**
   * Bytes `[start, end)` of `key` (to its end when `end` is omitted; shorter at the end of the file).
   * With `into` (at least `end - start` long) a target may read into it and return a view of it, so a
   * copy loop reuses one buffer instead of leaving a file's worth of garbage; the caller is done with
   * the result before it reads into the same buffer again.
   */
  read(key: string, start?: number, end?: number, into?: Buffer): Promise<Buffer>;
  /** Writes a whole small object at once, replacing it atomically (a playlist rewritten while recording). */
  put(key: string, data: Buffer | string): Promise<void>;
  /**
   * Adds a few bytes at the end of an object written by `put` (a recorded playlist growing by one
   * segment): its cost follows what is added, not the object's size. Stores that cannot append rewrite.
   */
  appendTo(key: string, data: Buffer | string): Promise<void>;
  /** `undefined` when `key` does not exist. */
  stat(key: string): Promise<StoredObjectInfo | undefined>;
  /**
   * Every object under the folder `prefix` (recursively; `''` for the whole target), sorted by key;
   * `[]` when there is none.
   */
  list(prefix: string): Promise<StoredObjectInfo[]>;
  /** Renames `from` to `to`, replacing `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Removes `key`, or the folder `key` with everything under it; a missing key is not an error. */
  remove(key: string): Promise<void>;
}

/** An error with a Node-style `code`, as every target rejects with. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** The `code` of a storage error (`ENOSPC`, `EIO`, `EEXIST`, …), or undefined for anything else. */
export function storageErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Throws `EINVAL` unless `key` is a plain relative key: no empty, `.` or `..` segment, no `\` or NUL. */
export function checkKey(key: string): void {
  if (key === '' || key.includes('\0') || key.includes('\\') || key.startsWith('/'))
    throw new StorageError('EINVAL', `invalid storage key "${key}"`);
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      throw new StorageError('EINVAL', `storage key "${key}" has an empty, "." or ".." segment`);
  }
}
