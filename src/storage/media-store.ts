import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

export class StoragePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoragePathError';
  }
}

export interface FileNameParts {
  app: string;
  stream: string;
  /** Sanitized `record_name`, else the stream name is used. */
  stem: string | undefined;
  /** Wall-clock start of the file. */
  startedAt: Date;
  /** Extension without a dot (`flv`, `mp4`, `aac`); `''` for an HLS folder. */
  extension: string;
}

/**
 * The local media folder: `{root}/{app}/{stream}/{YYYY-MM-DD}/{stem}_{HHMMSS}[-n].{ext}`. Storage keys are
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
  async proposeKey(parts: FileNameParts, attempt: number): Promise<string> {
    const t = parts.startedAt;
    const day = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
    const time = `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
    const base = `${parts.stem ?? parts.stream}_${day.replaceAll('-', '')}-${time}${attempt > 0 ? `-${attempt}` : ''}`;
    const key = `${parts.app}/${parts.stream}/${day}/${base}${parts.extension ? `.${parts.extension}` : ''}`;
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

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
