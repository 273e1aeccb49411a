import type { RecordingRow } from '../catalog/recording-row.js';

/**
 * The URL a recording is played from (`video_url` in callbacks and file lists): the public base, then
 * `/vod/` and the storage key, each path segment percent-encoded. HLS recordings point at their playlist.
 */
export function vodUrl(publicBaseUrl: string, row: Pick<RecordingRow, 'storageKey'>): string {
  return `${publicBaseUrl}/vod/${row.storageKey.split('/').map(encodeURIComponent).join('/')}`;
}
