/**
 * Finished media made outside the recorder (live snapshots, recording posters and thumbnail sprites)
 * and finished media read outside playback (clip sources, poster input), wherever storage keeps them:
 * the local media folder, or with STORAGE=s3 the bucket. The recorder keeps its own seam (target.ts);
 * this one is for whole files, written once and read back whole or by ffmpeg.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseMediaPlaylist, renderMediaPlaylist } from '../container/hls/playlist.js';
import type { MediaStore } from './media-store.js';
import type { S3ObjectStore } from './s3-object-store.js';

/** What ffmpeg reads a finished file from: its input options (`-i` and the source), until `release()`. */
export interface FfmpegInput {
  readonly args: readonly string[];
  release(): Promise<void>;
}

/** A finished file readable at `path` until `release()`. */
export interface LocalCopy {
  readonly path: string;
  release(): Promise<void>;
}

export interface MediaFiles {
  /**
   * Stores `bytes` under a key nothing else uses; resolves once they are durable (in the bucket with
   * STORAGE=s3), so a caller announces them only afterwards. False when the key is taken.
   */
  create(key: string, bytes: Buffer, contentType: string): Promise<boolean>;
  /** Stores `bytes` under `key`, replacing what is there; resolves once durable. */
  write(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The whole file; undefined when there is none. */
  read(key: string): Promise<Buffer | undefined>;
  /** A missing file is no error. */
  remove(key: string): Promise<void>;
  /** How ffmpeg reads the file: a path, a short-lived presigned URL, or for HLS a signed playlist. */
  ffmpegInput(key: string): Promise<FfmpegInput>;
  /** The file on the local disk for random access (a download with STORAGE=s3); undefined when there is none. */
  localCopy(key: string): Promise<LocalCopy | undefined>;
}

/** Long enough for ffmpeg to read a recording for a poster or a thumbnail sprite. */
const INPUT_URL_TTL_SEC = 600;
/** Downloads live under the media folder (same disk, same space rules), outside every storage key. */
const DOWNLOADS = '.downloads';

export function mediaFilesOf(store: MediaStore, objects: S3ObjectStore | undefined): MediaFiles {
  return objects ? new BucketMediaFiles(store, objects) : new LocalMediaFiles(store);
}

class LocalMediaFiles implements MediaFiles {
  constructor(private readonly store: MediaStore) {}

  async create(key: string, bytes: Buffer): Promise<boolean> {
    try {
      await writeFile(this.store.pathOf(key), bytes, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async write(key: string, bytes: Buffer): Promise<void> {
    await writeFile(this.store.pathOf(key), bytes);
  }

  read(key: string): Promise<Buffer | undefined> {
    return readFile(this.store.pathOf(key)).catch(() => undefined);
  }

  remove(key: string): Promise<void> {
    return this.store.remove(key);
  }

  async ffmpegInput(key: string): Promise<FfmpegInput> {
    return { args: ['-i', this.store.pathOf(key)], release: async () => undefined };
  }

  async localCopy(key: string): Promise<LocalCopy | undefined> {
    if (!(await this.store.exists(key))) return undefined;
    return { path: this.store.pathOf(key), release: async () => undefined };
  }
}

/**
 * STORAGE=s3: these files go straight to the bucket (they are made whole in memory, so there is no
 * spool copy to upload later) and are read from it, so every node serves and removes them alike.
 */
class BucketMediaFiles implements MediaFiles {
  constructor(
    private readonly store: MediaStore,
    private readonly objects: S3ObjectStore,
  ) {}

  async create(key: string, bytes: Buffer, contentType: string): Promise<boolean> {
    // Keys of one stream are made by the one node that holds it, so check-then-put does not race.
    if ((await this.objects.head(key)) !== undefined) return false;
    await this.objects.putBytes(key, bytes, contentType);
    return true;
  }

  write(key: string, bytes: Buffer, contentType: string): Promise<void> {
    return this.objects.putBytes(key, bytes, contentType);
  }

  async read(key: string): Promise<Buffer | undefined> {
    const object = await this.objects.get(key);
    if (object === undefined) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of object.body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async remove(key: string): Promise<void> {
    await this.objects.delete(key);
    await this.store.remove(key);
  }

  async ffmpegInput(key: string): Promise<FfmpegInput> {
    if (key.endsWith('.m3u8')) return this.signedPlaylist(key);
    return {
      args: ['-i', await this.objects.presignGet(key, INPUT_URL_TTL_SEC)],
      release: async () => undefined,
    };
  }

  /**
   * An HLS recording: its playlist names segments relatively, and a relative URI resolved against a
   * presigned playlist URL loses the signature (a private bucket refuses it). So ffmpeg gets a local
   * copy of the playlist whose every segment is its own presigned URL, and may follow it to http(s).
   */
  private async signedPlaylist(key: string): Promise<FfmpegInput> {
    const text = await this.read(key);
    if (text === undefined) throw new Error(`no playlist "${key}" in the bucket`);
    const playlist = parseMediaPlaylist(text.toString('utf8'));
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    const segments = await Promise.all(
      playlist.segments.map(async (segment) => ({
        ...segment,
        uri: await this.objects.presignGet(folder + segment.uri, INPUT_URL_TTL_SEC),
      })),
    );
    const path = await this.downloadPath(key);
    await writeFile(path, renderMediaPlaylist({ ...playlist, segments }));
    return {
      args: ['-protocol_whitelist', 'file,http,https,tcp,tls,crypto', '-i', path],
      release: () => rm(path, { force: true }),
    };
  }

  async localCopy(key: string): Promise<LocalCopy | undefined> {
    const path = await this.downloadPath(key);
    const release = () => rm(path, { force: true });
    try {
      if (!(await this.objects.download(key, path))) return undefined;
    } catch (error) {
      await release();
      throw error;
    }
    return { path, release };
  }

  /** A fresh file name under the downloads folder. */
  private async downloadPath(key: string): Promise<string> {
    const folder = join(this.store.root, DOWNLOADS);
    await mkdir(folder, { recursive: true });
    return join(folder, `${randomUUID()}-${basename(key)}`);
  }
}
