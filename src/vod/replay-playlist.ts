/**
 * One VOD (or, while recording goes on, EVENT) playlist for a whole broadcast, made of the playlists of
 * its HLS recordings in time order. Each recording starts a new MPEG-TS timeline and may change codec
 * parameters, so the first segment of every recording after the first follows an EXT-X-DISCONTINUITY.
 */
import type { MediaPlaylist, PlaylistSegment } from '../container/hls/playlist.js';

export interface ReplayPart {
  /** The recording's own playlist as written to disk; undefined before its first segment exists. */
  readonly playlist: MediaPlaylist | undefined;
  /** Where the replay points for one of this playlist's segment URIs; undefined leaves the segment out. */
  segmentUri(uri: string): string | undefined;
}

/** `ended`: no file of the broadcast is still recording, so the playlist is final (VOD + ENDLIST). */
export function replayPlaylist(parts: readonly ReplayPart[], ended: boolean): MediaPlaylist {
  const segments: PlaylistSegment[] = [];
  let targetDurationSec = 1;
  for (const { playlist, segmentUri } of parts) {
    if (playlist === undefined) continue;
    targetDurationSec = Math.max(targetDurationSec, playlist.targetDurationSec);
    const startsRecording = segments.length;
    for (const segment of playlist.segments) {
      const uri = segmentUri(segment.uri);
      if (uri === undefined) continue;
      const discontinuity =
        segment.discontinuity === true || (segments.length === startsRecording && startsRecording > 0);
      segments.push({ ...segment, uri, discontinuity });
    }
  }
  return {
    kind: ended ? 'vod' : 'event',
    targetDurationSec,
    mediaSequence: 0,
    discontinuitySequence: 0,
    segments,
    ended,
  };
}

/** The storage key of a segment a playlist names relatively; undefined for anything but a plain file name. */
export function segmentKeyOf(playlistKey: string, uri: string): string | undefined {
  if (!/^[^/\\?#:]+$/.test(uri) || uri === '.' || uri === '..') return undefined;
  const slash = playlistKey.lastIndexOf('/');
  return slash < 0 ? uri : `${playlistKey.slice(0, slash)}/${uri}`;
}

/** Appends a query (signed playback) to every URI line of a rendered playlist. */
export function withQueryOnUris(text: string, query: string): string {
  if (query === '') return text;
  return text
    .split(/\r?\n/)
    .map((line) =>
      line === '' || line.startsWith('#') ? line : `${line}${line.includes('?') ? '&' : '?'}${query}`,
    )
    .join('\n');
}
