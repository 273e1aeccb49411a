/**
 * HLS media playlists (RFC 8216 §4.3): rendering, and parsing back what we rendered — plus the
 * variants other writers produce — so a recorder can resume its own playlist after a crash.
 */

export type PlaylistKind = 'live' | 'event' | 'vod';

export interface PlaylistSegment {
  readonly uri: string;
  readonly durationSec: number;
  readonly discontinuity?: boolean;
  readonly programDateTime?: Date;
}

export interface MediaPlaylist {
  readonly kind: PlaylistKind;
  /** Whole seconds, at least every segment's duration rounded to the nearest integer. */
  readonly targetDurationSec: number;
  readonly mediaSequence: number;
  readonly discontinuitySequence: number;
  readonly segments: readonly PlaylistSegment[];
  readonly ended: boolean;
}

export class PlaylistParseError extends Error {
  override readonly name = 'PlaylistParseError';
  constructor(
    message: string,
    /** 1-based line of the offending text, when there is one. */
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

const PLAYLIST_TYPE: Record<PlaylistKind, string | undefined> = {
  live: undefined,
  event: 'EVENT',
  vod: 'VOD',
};

/**
 * Renders `p` per RFC 8216. The target duration is raised if a segment would exceed it (§4.3.3.1
 * makes that playlist invalid and players stall on it).
 * @throws RangeError for a URI that would break the line structure or a non-finite duration.
 */
export function renderMediaPlaylist(p: MediaPlaylist): string {
  const target = playlistTargetDuration(p.targetDurationSec, p.segments);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`];
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`);
  if (p.discontinuitySequence > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  const type = PLAYLIST_TYPE[p.kind];
  if (type) lines.push(`#EXT-X-PLAYLIST-TYPE:${type}`);
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  const head = `${lines.join('\n')}\n`;
  return head + p.segments.map(renderPlaylistSegment).join('') + (p.ended ? '#EXT-X-ENDLIST\n' : '');
}

/**
 * The target duration a playlist of `segments` must declare: `wanted`, raised to the longest segment.
 * @throws RangeError for a URI that would break the line structure or a non-finite duration.
 */
export function playlistTargetDuration(wanted: number, segments: readonly PlaylistSegment[]): number {
  let target = wanted;
  for (const s of segments) {
    if (!Number.isFinite(s.durationSec) || s.durationSec < 0) {
      throw new RangeError(`bad segment duration ${s.durationSec}`);
    }
    if (!isUriLine(s.uri)) {
      throw new RangeError(`segment URI ${JSON.stringify(s.uri)} cannot be a playlist line`);
    }
    target = Math.max(target, Math.round(Number(s.durationSec.toFixed(3))));
  }
  return target;
}

/**
 * One segment's lines, newline-terminated: what a writer appends to an EVENT playlist on disk
 * (whose target duration already covers the segment) instead of rewriting the whole playlist.
 */
export function renderPlaylistSegment(s: PlaylistSegment): string {
  let text = s.discontinuity ? '#EXT-X-DISCONTINUITY\n' : '';
  if (s.programDateTime) text += `#EXT-X-PROGRAM-DATE-TIME:${s.programDateTime.toISOString()}\n`;
  return `${text}#EXTINF:${s.durationSec.toFixed(3)},\n${s.uri}\n`;
}

function isUriLine(uri: string): boolean {
  return uri.length > 0 && uri === uri.trim() && !uri.startsWith('#') && !/[\r\n]/.test(uri);
}

/**
 * Parses a media playlist: ours, and what other writers emit (CRLF, a BOM, blank lines, comments,
 * integer or titled EXTINF, tags in any order, unknown tags, numeric-offset dates). `kind` comes
 * from `#EXT-X-PLAYLIST-TYPE` alone (none: `live`), `ended` from `#EXT-X-ENDLIST`.
 * @throws PlaylistParseError for anything that is not a well-formed media playlist.
 */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  if (lines[0]?.trim() !== '#EXTM3U') throw new PlaylistParseError('not an M3U8 playlist: no #EXTM3U', 1);

  let kind: PlaylistKind = 'live';
  let targetDurationSec: number | undefined;
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let ended = false;
  const segments: PlaylistSegment[] = [];
  let pending: { durationSec?: number; discontinuity?: boolean; programDateTime?: Date } = {};

  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    const lineNo = i + 1;
    if (line === '') continue;
    if (!line.startsWith('#')) {
      const { durationSec, discontinuity, programDateTime } = pending;
      if (durationSec === undefined) throw new PlaylistParseError('segment URI without #EXTINF', lineNo);
      segments.push({
        uri: line,
        durationSec,
        ...(discontinuity && { discontinuity }),
        ...(programDateTime && { programDateTime }),
      });
      pending = {};
      continue;
    }
    if (!line.startsWith('#EXT')) continue; // a comment
    const colon = line.indexOf(':');
    const tag = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).trim();
    switch (tag) {
      case '#EXTINF':
        pending.durationSec = decimal(value.split(',', 1)[0]!, tag, lineNo);
        break;
      case '#EXT-X-TARGETDURATION':
        targetDurationSec = integer(value, tag, lineNo);
        break;
      case '#EXT-X-MEDIA-SEQUENCE':
        mediaSequence = integer(value, tag, lineNo);
        break;
      case '#EXT-X-DISCONTINUITY-SEQUENCE':
        discontinuitySequence = integer(value, tag, lineNo);
        break;
      case '#EXT-X-PLAYLIST-TYPE':
        kind = playlistType(value, lineNo);
        break;
      case '#EXT-X-DISCONTINUITY':
        pending.discontinuity = true;
        break;
      case '#EXT-X-PROGRAM-DATE-TIME':
        pending.programDateTime = dateTime(value, lineNo);
        break;
      case '#EXT-X-ENDLIST':
        ended = true;
        break;
      case '#EXT-X-STREAM-INF':
      case '#EXT-X-I-FRAME-STREAM-INF':
        throw new PlaylistParseError('a master playlist, not a media playlist', lineNo);
      case '#EXT-X-BYTERANGE':
        throw new PlaylistParseError('byte-range segments are not supported', lineNo);
      default: // tags this model has no field for (#EXT-X-VERSION, #EXT-X-ALLOW-CACHE, …)
    }
  }
  if (pending.durationSec !== undefined) throw new PlaylistParseError('#EXTINF without a segment URI');
  if (targetDurationSec === undefined) throw new PlaylistParseError('no #EXT-X-TARGETDURATION');
  return { kind, targetDurationSec, mediaSequence, discontinuitySequence, segments, ended };
}

/** decimal-integer (§4.2): digits only, and exact as a JS number. */
function integer(value: string, tag: string, line: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new PlaylistParseError(`${tag}: bad integer`, line);
  return n;
}

/** decimal-floating-point (§4.2), non-negative. */
function decimal(value: string, tag: string, line: number): number {
  if (!/^\d+(\.\d*)?$/.test(value.trim())) throw new PlaylistParseError(`${tag}: bad duration`, line);
  const n = Number(value);
  if (!Number.isFinite(n)) throw new PlaylistParseError(`${tag}: bad duration`, line);
  return n;
}

function playlistType(value: string, line: number): PlaylistKind {
  if (value === 'VOD') return 'vod';
  if (value === 'EVENT') return 'event';
  throw new PlaylistParseError(`unknown #EXT-X-PLAYLIST-TYPE ${value}`, line);
}

/** ISO 8601 date-time with a time zone (§4.3.2.6); `+08:00`, `+0800` and `Z` all occur in the wild. */
function dateTime(value: string, line: number): Date {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
  const date = iso.test(value) ? new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw new PlaylistParseError('bad #EXT-X-PROGRAM-DATE-TIME', line);
  return date;
}
