/**
 * Recording posters and scrub thumbnails: once a recording with video is cataloged, its first picture
 * (the first keyframe, or for a clip the first frame its edit list shows) becomes a JPEG beside it, and
 * a frame every few seconds is tiled into a sprite JPEG (src/snapshot/thumbnail-track.ts). Both are
 * cataloged as snapshots (so they are served and pruned like them); the recording's `poster_key` is set
 * once both exist. One ffmpeg at a time, at the lowest CPU priority: this must never compete with live work.
 */
import { spawn } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import type { Catalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Logger } from '../log.js';
import type { MediaFiles } from '../storage/media-files.js';
import { type Jpeg, JpegSplitter } from './jpeg-splitter.js';
import { THUMBNAIL_WIDTH, thumbnailLayout } from './thumbnail-track.js';

export interface PosterOptions {
  readonly catalog: Catalog;
  /** Where recordings are read and posters stored: the media folder, or the bucket with STORAGE=s3. */
  readonly files: MediaFiles;
  readonly log: Logger;
  readonly width: number;
  readonly height: number;
  readonly command?: string;
}

/** A poster taking longer than this is given up. */
const POSTER_TIMEOUT_MS = 60_000;

/** `{file without extension}-poster.jpg`; inside an HLS recording's folder for a playlist. */
export function posterKeyOf(storageKey: string): string {
  return `${storageKey.replace(/\.[^./]*$/, '')}-poster.jpg`;
}

/** The scrub-thumbnail sprite beside the poster. */
export function spriteKeyOf(storageKey: string): string {
  return `${storageKey.replace(/\.[^./]*$/, '')}-thumbs.jpg`;
}

export class PosterMaker {
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: PosterOptions) {}

  /** Queues the poster of a just-finished recording (audio-only files get none). */
  add(row: RecordingRow): void {
    if (this.closed || row.videoCodec === null || row.status !== 'done') return;
    this.queue = this.queue.then(() => this.make(row));
  }

  /** Waits for the queued posters. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  /** Writes and catalogs one JPEG of a recording; returns its key. */
  private async save(row: RecordingRow, key: string, jpeg: Jpeg): Promise<string> {
    const { catalog, files } = this.options;
    await files.write(key, jpeg.bytes, 'image/jpeg');
    await catalog.snapshots.insert({
      id: newFileId(),
      app: row.app,
      stream: row.stream,
      sessionId: row.sessionId,
      streamParam: row.streamParam,
      storageKey: key,
      width: jpeg.width,
      height: jpeg.height,
      sizeBytes: jpeg.bytes.length,
      createdAt: row.startTime,
    });
    return key;
  }

  private async make(row: RecordingRow): Promise<void> {
    const { catalog, files, log } = this.options;
    // With STORAGE=s3 the spool copy may already be gone: ffmpeg reads the bucket's.
    const input = await files.ffmpegInput(row.storageKey).catch((err: unknown) => {
      log.warn({ err, id: row.id }, 'could not read a recording for its poster');
    });
    if (input === undefined) return;
    try {
      const { width, height } = this.options;
      const scale =
        width === 0 && height === 0
          ? []
          : [`scale=${width === 0 ? -2 : width}:${height === 0 ? -2 : height}`];
      const poster = await this.save(
        row,
        posterKeyOf(row.storageKey),
        await ffmpegJpeg(this.options, input.args, scale),
      );
      const layout = thumbnailLayout(row.durationMs);
      const tiles = [
        `fps=1/${layout.stepSec}`,
        `scale=${THUMBNAIL_WIDTH}:-2`,
        `tile=${layout.columns}x${layout.rows}`,
      ];
      await this.save(row, spriteKeyOf(row.storageKey), await ffmpegJpeg(this.options, input.args, tiles));
      await catalog.recordings.setPoster(row.id, poster);
    } catch (err) {
      log.warn({ err, id: row.id }, 'could not make the poster of a recording');
    } finally {
      await input.release();
    }
  }
}

/** The first picture out of `filters` applied to the file's video, as a JPEG. */
function ffmpegJpeg(
  options: PosterOptions,
  input: readonly string[],
  filters: readonly string[],
): Promise<Jpeg> {
  const args = [
    ...[
      '-hide_banner',
      '-nostdin',
      '-v',
      'error',
      '-threads',
      '1',
      ...input,
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
    ],
    ...(filters.length > 0 ? ['-vf', filters.join(',')] : []),
    ...['-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2pipe', 'pipe:1'],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(options.command ?? 'ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, constants.priority.PRIORITY_LOW);
      } catch {
        // not allowed here: it runs at normal priority, still one at a time
      }
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), POSTER_TIMEOUT_MS);
    const splitter = new JpegSplitter();
    const pictures: Jpeg[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        pictures.push(...splitter.push(chunk));
      } catch (error) {
        child.kill('SIGKILL');
        reject(error);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const [picture] = pictures;
      if (picture !== undefined) resolve(picture);
      else reject(new Error(`ffmpeg made no poster (exit ${code}): ${stderr.trim()}`));
    });
  });
}
