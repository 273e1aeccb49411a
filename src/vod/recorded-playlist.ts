import { readFile } from 'node:fs/promises';
import { type MediaPlaylist, parseMediaPlaylist } from '../container/hls/playlist.js';
import type { MediaStore } from '../storage/media-store.js';
import type { S3ObjectStore } from '../storage/s3-object-store.js';

/**
 * A recorded HLS playlist as it is on disk now; undefined when it does not exist yet (no segment
 * finished) or cannot be read. It is rewritten by rename, so a read never sees half of one.
 */
export async function readRecordedPlaylist(
  store: MediaStore,
  key: string,
): Promise<MediaPlaylist | undefined> {
  try {
    return parseMediaPlaylist(await readFile(store.pathOf(key), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The same from the bucket (STORAGE=s3), where every node finds it; undefined when it is not there. */
export async function readBucketPlaylist(
  objects: S3ObjectStore,
  key: string,
): Promise<MediaPlaylist | undefined> {
  try {
    const object = await objects.get(key);
    if (object === undefined) return undefined;
    return parseMediaPlaylist(Buffer.concat(await object.body.toArray()).toString('utf8'));
  } catch {
    return undefined;
  }
}
