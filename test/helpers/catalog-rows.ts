/**
 * Recordings made directly in a catalog, with chosen times and sizes and, when asked, real files in the
 * media folder: for the API and retention tests, which need histories no push could make quickly.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Catalog } from '../../src/catalog/db.js';
import { newFileId } from '../../src/catalog/ids.js';
import type { RecordingRow } from '../../src/catalog/recording-row.js';
import type { RecordingFormat } from '../../src/catalog/schema.js';

export interface RecordingSpec {
  app?: string;
  stream?: string;
  format?: RecordingFormat;
  startTime: number;
  durationMs?: number;
  /** What the catalog says; the file written is small whatever this is. */
  sizeBytes?: number;
  broadcastId?: string;
  /** `recording` leaves the row open. */
  status?: 'done' | 'recording';
}

/**
 * Catalogs one file; with `mediaRoot`, also writes it (an HLS recording as a folder with a playlist
 * and two segments) under the day folder of its start time.
 */
export async function addRecording(
  catalog: Catalog,
  spec: RecordingSpec,
  mediaRoot?: string,
): Promise<RecordingRow> {
  const {
    app = 'live',
    stream = 's1',
    format = 'flv',
    startTime,
    durationMs = 60_000,
    sizeBytes = 1000,
  } = spec;
  const id = newFileId();
  const day = new Date(startTime).toISOString().slice(0, 10);
  const base = `${app}/${stream}/${day}/${stream}_${id}`;
  const storageKey = format === 'hls' ? `${base}/index.m3u8` : `${base}.${format}`;
  if (mediaRoot !== undefined) await writeMedia(join(mediaRoot, storageKey), format);
  const broadcastId = spec.broadcastId ?? `b-${stream}`;
  await catalog.recordings.insertOpen({
    id,
    app,
    stream,
    format,
    storageKey,
    startTime,
    sessionId: broadcastId,
    broadcastId,
  });
  if (spec.status === 'recording') return (await catalog.recordings.get(id))!;
  return catalog.recordings.finish(id, {
    endTime: startTime + durationMs,
    durationMs,
    sizeBytes,
    reason: 'interval',
  });
}

async function writeMedia(path: string, format: RecordingFormat): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (format !== 'hls') {
    await writeFile(path, Buffer.alloc(1000, 1));
    return;
  }
  await writeFile(
    path,
    '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n000000.ts\n#EXTINF:4,\n000001.ts\n#EXT-X-ENDLIST\n',
  );
  await writeFile(join(dirname(path), '000000.ts'), Buffer.alloc(188, 0x47));
  await writeFile(join(dirname(path), '000001.ts'), Buffer.alloc(188, 0x47));
}
