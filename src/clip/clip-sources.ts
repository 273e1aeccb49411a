/**
 * Recordings opened as clip sources: each an `Mp4Movie` and the local file its sample offsets point
 * into — an MP4's own file, an FLV's own file (src/clip/flv-movie.ts), or for an HLS recording a sample
 * file its frames were converted into (src/clip/hls-movie.ts). With STORAGE=s3 the files are downloads.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingRow } from '../catalog/recording-row.js';
import { type MediaPlaylist, PlaylistParseError, parseMediaPlaylist } from '../container/hls/playlist.js';
import { Mp4ScanError } from '../container/mp4/errors.js';
import { type Mp4Movie, movieTimeMs, readMovie } from '../container/mp4/movie-read.js';
import { parentKey } from '../storage/layout.js';
import { readExactly } from '../storage/local-target.js';
import type { LocalCopy, MediaFiles } from '../storage/media-files.js';
import type { MediaStore } from '../storage/media-store.js';
import { ClipError } from './clip-error.js';
import { FlvMovieError, readFlvMovie } from './flv-movie.js';
import { type HlsMovie, HlsMovieError, readHlsMovie } from './hls-movie.js';

/** Under the media folder (same disk, outside every storage key): HLS frames converted to MP4 samples. */
const SCRATCH_FOLDER = '.clip-samples';

export interface SourceFile {
  readonly row: RecordingRow;
  readonly copy: LocalCopy;
  readonly path: string;
  readonly size: number;
  readonly movie: Mp4Movie;
  /** Movie time (ms) of the file's first frame: what its cataloged `mediaStartMs` names. */
  readonly firstFrameMs: number;
}

/** The part of a file a clip needs, in ms of the file's own time (catalog times: approximate). */
export interface FileRange {
  readonly fromMs: number;
  readonly toMs: number;
}

export class ClipSources {
  private scratch: Promise<string> | undefined;

  constructor(
    private readonly files: MediaFiles,
    private readonly store: MediaStore,
  ) {}

  /** The recording's movie, read from a local copy the caller releases (`copy.release()`). */
  async open(row: RecordingRow, range: FileRange): Promise<SourceFile> {
    if (row.format === 'hls') return this.openHls(row, range);
    const copy = await this.files.localCopy(row.storageKey);
    if (copy === undefined) throw new ClipError('conflict', `the file of recording ${row.id} is missing`);
    const { path } = copy;
    try {
      const file = await open(path, 'r');
      try {
        const { size } = await file.stat();
        const read = (offset: number, length: number) => readExactly(file, offset, length);
        const movie = await (row.format === 'flv' ? readFlvMovie(read, size) : readMovie(read, size)).catch(
          (error) => {
            if (error instanceof Mp4ScanError || error instanceof FlvMovieError) {
              const what = row.format === 'flv' ? 'a usable FLV' : 'a finished MP4';
              throw new ClipError('conflict', `recording ${row.id} is not ${what}: ${error.message}`);
            }
            throw error;
          },
        );
        const firstFrameMs = Math.min(...movie.tracks.map((track) => movieTimeMs(track, 0)));
        return { row, copy, path, size, movie, firstFrameMs };
      } finally {
        await file.close();
      }
    } catch (error) {
      await copy.release();
      throw error;
    }
  }

  /**
   * An HLS recording: the frames of the segments that meet `range` are converted into a sample file in
   * the scratch folder (src/clip/hls-movie.ts), which stands in for the source file until released.
   */
  private async openHls(row: RecordingRow, range: FileRange): Promise<SourceFile> {
    const { files } = this;
    const text = await files.read(row.storageKey);
    if (text === undefined) throw new ClipError('conflict', `the playlist of recording ${row.id} is missing`);
    let segments: MediaPlaylist['segments'];
    try {
      ({ segments } = parseMediaPlaylist(text.toString('utf8')));
    } catch (error) {
      if (error instanceof PlaylistParseError)
        throw new ClipError('conflict', `recording ${row.id} has no usable playlist: ${error.message}`);
      throw error;
    }
    const folder = parentKey(row.storageKey);
    const readSegment = async (uri: string): Promise<Buffer> => {
      const copy = await files.localCopy(`${folder}/${uri}`);
      if (copy === undefined)
        throw new ClipError('conflict', `segment ${uri} of recording ${row.id} is missing`);
      try {
        return await readFile(copy.path);
      } finally {
        await copy.release();
      }
    };
    const path = join(await this.scratchFolder(), `${randomUUID()}.samples`);
    const copy: LocalCopy = { path, release: () => rm(path, { force: true }) };
    try {
      const out = await open(path, 'wx');
      let read: HlsMovie;
      try {
        read = await readHlsMovie({
          segments,
          read: readSegment,
          // writeFile loops until every byte is out; one write() may take fewer (a disk filling up).
          write: (bytes) => out.writeFile(bytes),
          fromMs: range.fromMs,
          toMs: range.toMs,
        });
      } finally {
        await out.close();
      }
      return {
        row,
        copy,
        path,
        size: read.sampleBytes,
        movie: read.movie,
        firstFrameMs: read.firstFrameMs,
      };
    } catch (error) {
      await copy.release();
      if (error instanceof HlsMovieError)
        throw new ClipError(
          'conflict',
          `recording ${row.id} is not a usable HLS recording: ${error.message}`,
        );
      throw error;
    }
  }

  /**
   * The folder for sample files, emptied the first time it is used: what a crash left there is no
   * one's (clips are made one at a time, by the one node that owns this media folder).
   */
  private scratchFolder(): Promise<string> {
    this.scratch ??= (async () => {
      const folder = join(this.store.root, SCRATCH_FOLDER);
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder, { recursive: true });
      return folder;
    })();
    // A failure (a full disk, say) is tried again with the next clip.
    this.scratch.catch(() => {
      this.scratch = undefined;
    });
    return this.scratch;
  }
}
