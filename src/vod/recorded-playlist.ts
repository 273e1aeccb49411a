import { readFile } from 'node:fs/promises';
import { type MediaPlaylist, parseMediaPlaylist } from '../container/hls/playlist.js';
import type { MediaStore } from '../storage/media-store.js';

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
