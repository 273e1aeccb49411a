/**
 * Scrub thumbnails: the frame every N seconds of a recording tiled into one sprite JPEG, and the WebVTT
 * track whose cues point into it with `#xywh=` media fragments (the format video.js, Plyr and JW Player
 * read). Pure: the layout from the duration, the track text from the layout.
 */

/** At most this many thumbnails per recording; a long one gets a longer step instead. */
export const MAX_THUMBNAILS = 200;
const MIN_STEP_SEC = 2;
export const SPRITE_COLUMNS = 10;
/** Width of one thumbnail in the sprite; the height keeps the video's aspect ratio. */
export const THUMBNAIL_WIDTH = 160;

export interface ThumbnailLayout {
  /** Seconds between thumbnails. */
  readonly stepSec: number;
  readonly count: number;
  readonly columns: number;
  readonly rows: number;
}

export function thumbnailLayout(durationMs: number): ThumbnailLayout {
  const seconds = Math.max(durationMs / 1000, 0.001);
  const stepSec = Math.max(MIN_STEP_SEC, Math.ceil(seconds / MAX_THUMBNAILS));
  const count = Math.max(1, Math.ceil(seconds / stepSec));
  const columns = Math.min(SPRITE_COLUMNS, count);
  return { stepSec, count, columns, rows: Math.ceil(count / columns) };
}

/** The WebVTT text: one cue per thumbnail, the last one ending at the recording's end. */
export function thumbnailTrack(
  layout: ThumbnailLayout,
  durationMs: number,
  tile: { readonly width: number; readonly height: number },
  spriteUrl: string,
): string {
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < layout.count; i++) {
    const from = i * layout.stepSec * 1000;
    const to = Math.min((i + 1) * layout.stepSec * 1000, durationMs);
    const x = (i % layout.columns) * tile.width;
    const y = Math.floor(i / layout.columns) * tile.height;
    cues.push(`${vttTime(from)} --> ${vttTime(Math.max(to, from + 1))}`);
    cues.push(`${spriteUrl}#xywh=${x},${y},${tile.width},${tile.height}`, '');
  }
  return cues.join('\n');
}

function vttTime(ms: number): string {
  const whole = Math.round(ms);
  const h = Math.floor(whole / 3_600_000);
  const m = Math.floor((whole % 3_600_000) / 60_000);
  const s = Math.floor((whole % 60_000) / 1000);
  const milli = whole % 1000;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(milli, 3)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
