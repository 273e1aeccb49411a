/**
 * Cuts a clip out of an MP4, FLV or HLS recording or out of a broadcast's MP4 (else FLV, else HLS) files:
 * opens them as sample tables (src/clip/clip-sources.ts), plans the clip (src/container/mp4/clip-plan.ts),
 * copies the samples into a new fast-start MP4 in the media folder and catalogs it like any recorded
 * file (reason `clip`, callback 100).
 */
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import type { Catalog } from '../catalog/db.js';
import { newFileId } from '../catalog/ids.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { FinishExtra } from '../catalog/recordings.js';
import { ClipPlanError, type ClipSource, planClip } from '../container/mp4/clip-plan.js';
import { fastStartPartialKey } from '../storage/layout.js';
import type { MediaFiles } from '../storage/media-files.js';
import type { MediaStore } from '../storage/media-store.js';
import { ClipError } from './clip-error.js';
import { ClipSources, type SourceFile } from './clip-sources.js';

export interface ClipRequest {
  /** Exactly one of the two. */
  readonly recordingId?: string;
  readonly broadcastId?: string;
  /** From the source's start (a broadcast's first file), in ms. */
  readonly startMs: number;
  readonly endMs: number;
}

export interface ClipMakerDeps {
  readonly catalog: Catalog;
  /** Where the clip is written: the media folder (with STORAGE=s3 the spool, uploaded when cataloged). */
  readonly store: MediaStore;
  /** Where the source files are read: the media folder, or a download from the bucket with STORAGE=s3. */
  readonly files: MediaFiles;
  /** Runs in the transaction that catalogs the clip (the notifier writes callback 100 there). */
  readonly onFinishing?: FinishExtra;
}

/** Files whose cataloged span misses the range by less than this are read too (catalog times are approximate). */
const OVERLAP_MARGIN_MS = 2000;
const COPY_CHUNK = 1 << 20;
/** What clips are cut from, in the order a broadcast's files are preferred. */
const CUT_FORMATS: readonly string[] = ['mp4', 'flv', 'hls'];

export class ClipMaker {
  /** Clips are made one at a time: each is a burst of disk reads and writes. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sourceFiles: ClipSources;

  constructor(private readonly deps: ClipMakerDeps) {
    this.sourceFiles = new ClipSources(deps.files, deps.store);
  }

  make(request: ClipRequest): Promise<RecordingRow> {
    const next = this.queue.then(
      () => this.makeNow(request),
      () => this.makeNow(request),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async makeNow(request: ClipRequest): Promise<RecordingRow> {
    const { rows, sourceId } = await this.sourceRows(request);
    const first = rows[0]!;
    const files = await this.filesFor(rows, request);
    try {
      return await this.cut(request, first, sourceId, files);
    } finally {
      await Promise.all(files.map((file) => file.copy.release()));
    }
  }

  private async cut(
    request: ClipRequest,
    first: RecordingRow,
    sourceId: string,
    files: readonly SourceFile[],
  ): Promise<RecordingRow> {
    const sources = placeOnSourceTimeline(files);
    const totalMs = Math.max(...files.map((f, i) => sources[i]!.originMs + f.row.durationMs));
    if (request.startMs >= totalMs) {
      throw new ClipError(
        'bad_request',
        `body parameter "start" is past the source's end (${totalMs / 1000} s)`,
      );
    }
    const endMs = Math.min(request.endMs, totalMs);
    let plan: ReturnType<typeof planClip>;
    try {
      plan = planClip(sources, request.startMs, endMs);
    } catch (error) {
      if (error instanceof ClipPlanError) throw new ClipError('conflict', error.message);
      throw error;
    }
    const id = newFileId();
    const startTime = first.startTime + Math.round(plan.startMs);
    const key = await this.writeClip(first, startTime, plan, files, sources);
    const sizeBytes = plan.head.length + plan.copy.reduce((n, range) => n + range.length, 0);
    const recordings = this.deps.catalog.recordings;
    await recordings.insertOpen({
      id,
      app: first.app,
      stream: first.stream,
      format: 'mp4',
      storageKey: key,
      startTime,
      sessionId: first.sessionId,
      // A clip is a broadcast of its own: it must not join its source's replay playlist.
      broadcastId: id,
      streamParam: first.streamParam,
      width: first.width ?? undefined,
      height: first.height ?? undefined,
      videoCodec: first.videoCodec ?? undefined,
      audioCodec: first.audioCodec ?? undefined,
      sourceId,
    });
    return recordings.finish(
      id,
      { endTime: startTime + plan.durationMs, sizeBytes, durationMs: plan.durationMs, reason: 'clip' },
      this.deps.onFinishing,
    );
  }

  private async sourceRows(request: ClipRequest): Promise<{ rows: RecordingRow[]; sourceId: string }> {
    const { catalog } = this.deps;
    if (request.recordingId !== undefined) {
      const row = await catalog.recordings.get(request.recordingId);
      if (row === undefined)
        throw new ClipError('not_found', `recording ${request.recordingId} does not exist`);
      if (row.status !== 'done')
        throw new ClipError('conflict', `recording ${row.id} is still being written`);
      if (!CUT_FORMATS.includes(row.format)) {
        throw new ClipError(
          'conflict',
          `clips are cut from MP4, FLV and HLS recordings; recording ${row.id} is ${row.format}`,
        );
      }
      return { rows: [row], sourceId: row.id };
    }
    const broadcastId = request.broadcastId!;
    const all = await catalog.broadcasts.files([broadcastId]);
    if (all.length === 0) throw new ClipError('not_found', `broadcast ${broadcastId} does not exist`);
    const finished = all.filter((row) => row.status === 'done' && row.reason !== 'clip');
    // One format's files make the timeline; MP4 first, as its sample tables are read without a scan,
    // then FLV (scanned), then HLS (converted).
    for (const format of CUT_FORMATS) {
      const rows = finished.filter((row) => row.format === format);
      if (rows.length > 0) return { rows, sourceId: broadcastId };
    }
    throw new ClipError(
      'conflict',
      `broadcast ${broadcastId} has no finished MP4, FLV or HLS file to cut a clip from`,
    );
  }

  /** The first file (it sets the timeline's zero) and the files whose cataloged span meets the range. */
  private async filesFor(rows: readonly RecordingRow[], request: ClipRequest): Promise<SourceFile[]> {
    const zero = rows[0]!.mediaStartMs ?? rows[0]!.startTime;
    const fromOf = (row: RecordingRow) => (row.mediaStartMs ?? row.startTime) - zero;
    const picked = rows.filter((row, i) => {
      if (i === 0) return true;
      const from = fromOf(row);
      return (
        from <= request.endMs + OVERLAP_MARGIN_MS &&
        from + row.durationMs >= request.startMs - OVERLAP_MARGIN_MS
      );
    });
    const read = await Promise.allSettled(
      picked.map((row) =>
        this.sourceFiles.open(row, {
          fromMs: request.startMs - fromOf(row),
          toMs: request.endMs - fromOf(row),
        }),
      ),
    );
    const files = read.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = read.find((result) => result.status === 'rejected');
    if (failed === undefined) return files;
    await Promise.all(files.map((file) => file.copy.release()));
    throw failed.reason;
  }

  /** Writes beside the final name and renames, so a crash never leaves a half clip under its name. */
  private async writeClip(
    first: RecordingRow,
    startTime: number,
    plan: ReturnType<typeof planClip>,
    files: readonly SourceFile[],
    sources: readonly ClipSource[],
  ): Promise<string> {
    const { store } = this.deps;
    for (let attempt = 0; ; attempt++) {
      const key = await store.proposeKey(
        {
          app: first.app,
          stream: first.stream,
          stem: `${first.stream}-clip`,
          startedAt: new Date(startTime),
          format: 'mp4',
        },
        attempt,
      );
      const path = store.pathOf(key);
      if (await store.exists(key)) continue;
      const partial = store.pathOf(fastStartPartialKey(key));
      let out: FileHandle;
      try {
        out = await open(partial, 'wx');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
        throw error;
      }
      try {
        await out.write(plan.head);
        await copyRanges(out, plan.copy, files, sources);
        await out.datasync();
        await out.close();
      } catch (error) {
        await out.close().catch(() => undefined);
        await rm(partial, { force: true });
        throw error;
      }
      await rename(partial, path);
      return key;
    }
  }
}

/**
 * Each file's origin on the source timeline: the push time of its movie time 0 (the first packet's
 * dts, from the catalog, minus that packet's place in the movie) relative to the first file's.
 */
function placeOnSourceTimeline(files: readonly SourceFile[]): ClipSource[] {
  let baseOffset = 0;
  const zeros = files.map((file) => (file.row.mediaStartMs ?? file.row.startTime) - file.firstFrameMs);
  return files.map((file, i) => {
    const source = {
      movie: file.movie,
      originMs: files.length === 1 ? 0 : zeros[i]! - zeros[0]!,
      baseOffset,
    };
    baseOffset += file.size;
    return source;
  });
}

async function copyRanges(
  out: FileHandle,
  ranges: ReturnType<typeof planClip>['copy'],
  files: readonly SourceFile[],
  sources: readonly ClipSource[],
): Promise<void> {
  const buffer = Buffer.allocUnsafe(COPY_CHUNK);
  let open_: { index: number; handle: FileHandle } | undefined;
  try {
    for (const range of ranges) {
      const index = sources.findLastIndex((source) => source.baseOffset <= range.offset);
      if (open_?.index !== index) {
        await open_?.handle.close();
        open_ = { index, handle: await open(files[index]!.path, 'r') };
      }
      let done = 0;
      const offset = range.offset - sources[index]!.baseOffset;
      while (done < range.length) {
        const want = Math.min(COPY_CHUNK, range.length - done);
        const { bytesRead } = await open_.handle.read(buffer, 0, want, offset + done);
        if (bytesRead === 0)
          throw new Error(`${files[index]!.path} ended at ${offset + done} while copying a clip`);
        await out.write(buffer, 0, bytesRead);
        done += bytesRead;
      }
    }
  } finally {
    await open_?.handle.close();
  }
}
