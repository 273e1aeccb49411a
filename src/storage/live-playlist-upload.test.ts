/**
 * A live HLS recording's playlist in the bucket never names a segment the bucket lacks: the recorder's
 * spool target (the write pattern of hls-recording.ts: segments closed, then the playlist appended to
 * or rewritten) runs far ahead of the upload worker, against a real catalog (SQLite file) and a real S3
 * server (s3rver). Each time the worker has stored the playlist, a reader takes it from the bucket and
 * GETs every segment it names, before any later job of the folder can run (they run one at a time).
 * When the recording ends, its own job's final playlist is the one left in the bucket, even if a live
 * job of the folder is still running.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/helpers/process.js';
import { s3WithCatalog } from '../../test/helpers/s3-catalog.js';
import { newFileId } from '../catalog/ids.js';
import { parseMediaPlaylist, renderMediaPlaylist, renderPlaylistSegment } from '../container/hls/playlist.js';
import { createLogger } from '../log.js';
import { playlistKey, segmentKey, segmentName } from './layout.js';
import { LocalTarget } from './local-target.js';
import { MediaStore } from './media-store.js';
import { S3ObjectStore } from './s3-object-store.js';
import { UploadingSpoolTarget } from './spool-target.js';
import { UploadWorker } from './upload-worker.js';

const FOLDER = 'live/p1/2026-12-04/p1-20261204-000000';
const ENDED_FOLDER = 'live/p2/2026-12-04/p2-20261204-000000';
const SEGMENTS = 12;

describe('live HLS playlist uploads', () => {
  const uploads = s3WithCatalog('livetape-live-playlist-');
  /** A client of its own, as a player reading the bucket would have. */
  let reader: S3ObjectStore;

  beforeAll(() => {
    reader = new S3ObjectStore(uploads().s3.config);
  });
  afterAll(() => {
    reader?.close();
  });

  /** What a player reading the bucket sees now: the playlist's segments, and those that 404. */
  const readFromBucket = async (folder = FOLDER) => {
    const playlist = await reader.get(playlistKey(folder));
    const text = Buffer.concat(await playlist!.body.toArray()).toString('utf8');
    const parsed = parseMediaPlaylist(text);
    const named = parsed.segments.map((s) => s.uri);
    const missing: string[] = [];
    for (const uri of named) {
      const segment = await reader.get(`${folder}/${uri}`);
      if (segment === undefined) missing.push(uri);
      else segment.body.resume();
    }
    return { named, missing, ended: parsed.ended };
  };
  const allDone = () =>
    waitFor(
      async () => ((await uploads().catalog.uploads.backlog()).pending === 0 ? true : undefined),
      60_000,
      'every job done',
    );

  it('stores a playlist only once every segment it names is in the bucket', async () => {
    const { objects, dir, catalog } = uploads();
    const root = join(dir, 'media');
    const spool = new MediaStore(root);
    let worker: UploadWorker | undefined;
    const target = new UploadingSpoolTarget(
      new LocalTarget(root),
      async (group, keys) => {
        await catalog.uploads.enqueueAll(
          keys.map((key) => ({ groupKey: group, kind: 'object', storageKey: key })),
        );
      },
      () => worker?.wake(),
    );
    const seen: { named: string[]; missing: string[] }[] = [];
    const putBytes = objects.putBytes.bind(objects);
    objects.putBytes = async (key, data, contentType) => {
      await putBytes(key, data, contentType);
      if (key === playlistKey(FOLDER)) seen.push(await readFromBucket());
    };
    worker = new UploadWorker({
      catalog,
      objects,
      spool,
      keepLocal: true,
      claimer: 'n1:1:test',
      log: createLogger('silent'),
      concurrency: 2,
    });
    await worker.start('n1');

    // The recorder, with no wait for the uploads: a segment closes, then the playlist lists it. Two
    // segments close before one write, once, and the playlist is rewritten whole once, as the recorder
    // does when a segment closed out of order or the target duration grew.
    const listed: { uri: string; durationSec: number; discontinuity: boolean }[] = [];
    const writeSegment = async (seq: number) => {
      const file = await target.create(segmentKey(FOLDER, seq));
      await file.append([randomBytes(40_000)]);
      await file.close();
      listed.push({ uri: segmentName(seq), durationSec: 2, discontinuity: false });
    };
    const rewrite = () =>
      target.put(
        playlistKey(FOLDER),
        renderMediaPlaylist({
          kind: 'event',
          targetDurationSec: 2,
          mediaSequence: 0,
          discontinuitySequence: 0,
          segments: listed,
          ended: false,
        }),
      );
    for (let seq = 0; seq < SEGMENTS; seq++) {
      await writeSegment(seq);
      if (seq === 4) continue; // 4 and 5 are listed by one write
      if (seq === 0 || seq === 8) await rewrite();
      else {
        const added = listed.slice(seq === 5 ? -2 : -1);
        await target.appendTo(playlistKey(FOLDER), added.map(renderPlaylistSegment).join(''));
      }
    }

    await allDone();
    await worker.close();
    objects.putBytes = putBytes;
    // Every stored playlist was whole in the bucket, and the last one lists every segment.
    expect(seen.length).toBeGreaterThan(0);
    for (const view of seen) expect(view.missing, `named ${view.named.join(' ')}`).toEqual([]);
    expect(seen.at(-1)!.named).toEqual(listed.map((s) => s.uri));
  });

  it("leaves the recording's final playlist in the bucket, whatever live job still runs", async () => {
    const { objects, dir, catalog } = uploads();
    const root = join(dir, 'media2');
    const spool = new LocalTarget(root);
    const target = new UploadingSpoolTarget(spool, async (group, keys) => {
      await catalog.uploads.enqueueAll(
        keys.map((key) => ({ groupKey: group, kind: 'object', storageKey: key })),
      );
    });
    const segments = Array.from({ length: 6 }, (_, seq) => ({
      uri: segmentName(seq),
      durationSec: 2,
      discontinuity: false,
    }));
    for (const [seq, segment] of segments.entries()) {
      const file = await target.create(segmentKey(ENDED_FOLDER, seq));
      await file.append([randomBytes(20_000)]);
      await file.close();
      const listed = segments.slice(0, seq + 1);
      await target.put(
        playlistKey(ENDED_FOLDER),
        renderMediaPlaylist({
          kind: seq === 5 ? 'vod' : 'event',
          targetDurationSec: 2,
          mediaSequence: 0,
          discontinuitySequence: 0,
          segments: listed,
          ended: seq === 5,
        }),
      );
      expect(segment.uri).toBe(segmentName(seq));
    }
    // The recording is cataloged: its own job (claimed before the live ones) stores it whole.
    const id = newFileId();
    await catalog.recordings.insertOpen({
      id,
      app: 'live',
      stream: 'p2',
      format: 'hls',
      storageKey: playlistKey(ENDED_FOLDER),
      startTime: Date.now() - 12_000,
      sessionId: 's-p2',
      broadcastId: 's-p2',
    });
    catalog.recordings.holdUntilStored = async (trx, row, announce) => {
      await catalog.uploads.enqueue(
        { groupKey: row.id, kind: 'recording', storageKey: row.storageKey, announce },
        trx,
      );
    };
    await catalog.recordings.finish(id, {
      endTime: Date.now(),
      durationMs: 12_000,
      sizeBytes: 120_000,
      reason: 'interval',
    });
    // The first live job's playlist is held back until the recording is done (or 5 s): the order in
    // which a slow live job used to overwrite the final playlist with its cut, unended one.
    const putBytes = objects.putBytes.bind(objects);
    objects.putBytes = async (key, data, contentType) => {
      if (key === playlistKey(ENDED_FOLDER) && !data.includes('#EXT-X-ENDLIST'))
        await waitFor(
          async () => ((await catalog.recordings.get(id))?.status === 'done' ? true : undefined),
          5000,
          'the recording done',
        ).catch(() => undefined);
      await putBytes(key, data, contentType);
    };
    const worker = new UploadWorker({
      catalog,
      objects,
      spool: new MediaStore(root),
      keepLocal: false,
      claimer: 'n1:1:test',
      log: createLogger('silent'),
      concurrency: 2,
    });
    await worker.start('n1');
    await allDone();
    await worker.close();
    objects.putBytes = putBytes;
    catalog.recordings.holdUntilStored = undefined;
    expect((await catalog.recordings.get(id))?.status).toBe('done');
    const final = await readFromBucket(ENDED_FOLDER);
    expect(final).toEqual({ named: segments.map((s) => s.uri), missing: [], ended: true });
  });
});
