import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type RecordingName, recordingKey } from './layout.js';

export class StoragePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoragePathError';
  }
}

/**
 * The local media folder (names: see layout.ts). Storage keys are
 * paths relative to the root with `/` separators; every key is checked to stay inside the root.
 */
export class MediaStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * Returns a key that does not exist yet. The caller creates it with an exclusive open (`wx`) or mkdir,
   * and calls again on EEXIST, so two files never share a name even across processes.
   */
  async proposeKey(name: RecordingName, attempt: number): Promise<string> {
    const key = recordingKey(name, attempt);
    await mkdir(dirname(this.pathOf(key)), { recursive: true });
    return key;
  }

  /** Absolute path of a key; throws StoragePathError for anything that would leave the root. */
  pathOf(key: string): string {
    if (key.includes('\0') || key.startsWith('/') || key.includes('\\'))
      throw new StoragePathError(`invalid storage key "${key}"`);
    const path = resolve(this.root, key);
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) {
      throw new StoragePathError(`storage key "${key}" is outside the media folder`);
    }
    return path;
  }

  keyOf(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async remove(key: string): Promise<void> {
    await rm(this.pathOf(key), { recursive: true, force: true });
  }

  joinKey(key: string, child: string): string {
    return join(key, child).split(sep).join('/');
  }
}
