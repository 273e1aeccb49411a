/**
 * How each kind of recorded file is served: its Content-Type and how long a CDN or browser may keep it.
 * Media files and segments never change once cataloged, so they are cached for a year; playlists are
 * kept briefly because their recording may still be deleted or (for a replay) still be growing.
 */

export interface ServedType {
  readonly contentType: string;
  readonly cacheControl: string;
  /** An HLS playlist, whose segment URIs may need rewriting (signed playback). */
  readonly playlist: boolean;
}

export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const PLAYLIST_CACHE = 'public, max-age=10';
/** A playlist that is still growing (EVENT) or rewritten for one signed client. */
export const UNCACHED = 'no-cache';

const media = (contentType: string): ServedType => ({
  contentType,
  cacheControl: IMMUTABLE_CACHE,
  playlist: false,
});

const BY_EXTENSION: Readonly<Record<string, ServedType>> = {
  flv: media('video/x-flv'),
  mp4: media('video/mp4'),
  aac: media('audio/aac'),
  ts: media('video/mp2t'),
  m3u8: { contentType: 'application/vnd.apple.mpegurl', cacheControl: PLAYLIST_CACHE, playlist: true },
};

/** By the key's extension; undefined for anything the recorder does not write. */
export function servedTypeOf(key: string): ServedType | undefined {
  const dot = key.lastIndexOf('.');
  if (dot < 0 || key.indexOf('/', dot) >= 0) return undefined;
  return Object.hasOwn(BY_EXTENSION, key.slice(dot + 1)) ? BY_EXTENSION[key.slice(dot + 1)] : undefined;
}
