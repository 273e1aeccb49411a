import { truncateToUtf8Bytes } from './name-bytes.js';

/**
 * The one place that knows how recordings are named in storage. A recording file is
 * `{app}/{stream}/{YYYY-MM-DD}/{stem}_{YYYYMMDD}-{HHMMSS}[-n].{ext}`, or with a template's file-name
 * template (`VodFileName`) `{app}/{stream}/{YYYY-MM-DD}/{expanded template}[-n].{ext}`; an HLS recording is a folder of
 * that name (no extension) holding `index.m3u8` and its segments `000000.ts`, `000001.ts`… Keys are
 * relative and `/`-separated; a StorageTarget maps them onto a folder or a bucket.
 */

/** What a key names: a recording file, an HLS recording folder, or a snapshot/poster picture. */
export type RecordedFormat = 'flv' | 'mp4' | 'aac' | 'hls' | 'jpg';

export interface RecordingName {
  app: string;
  stream: string;
  /** Sanitized `record_name`, else the stream name is used. */
  stem: string | undefined;
  /** Wall-clock start of the recording. */
  startedAt: Date;
  format: RecordedFormat;
  /** A recording template's file-name template (`VodFileName`), checked by `fileNameTemplateProblem`. */
  fileNameTemplate?: string;
  /** Where the file is planned to end (its start + the file interval): what `{End…}` placeholders show. */
  plannedEndAt?: Date;
}

/**
 * File-name template placeholders, as the reference's `VodFileName` documents them: the stream and the
 * parts of the file's start and end instants (UTC here, like every name LiveTape makes).
 */
const TIME_PARTS = {
  Year: (t: Date) => String(t.getUTCFullYear()),
  Month: (t: Date) => pad(t.getUTCMonth() + 1),
  Day: (t: Date) => pad(t.getUTCDate()),
  Hour: (t: Date) => pad(t.getUTCHours()),
  Minute: (t: Date) => pad(t.getUTCMinutes()),
  Second: (t: Date) => pad(t.getUTCSeconds()),
  Millisecond: (t: Date) => String(t.getUTCMilliseconds()).padStart(3, '0'),
} as const;
const PLACEHOLDERS = new Set([
  'StreamID',
  ...Object.keys(TIME_PARTS).flatMap((part) => [`Start${part}`, `End${part}`]),
]);
/** Letters, digits, `_`, `-`, `.` and `{Placeholder}`s; the expanded stem is cut to this many bytes. */
const TEMPLATE_CHARS = /^[\p{L}\p{M}\p{N}_.{}-]+$/u;
const MAX_STEM_BYTES = 200;
export const MAX_FILE_NAME_TEMPLATE_BYTES = 200;

export const PLAYLIST_NAME = 'index.m3u8';
/**
 * Space set aside in every HLS folder and given back when the recording is finished, so the final
 * playlist can still be written when the disk has filled up meanwhile.
 */
export const RESERVE_NAME = '.reserve';
/** Segment files of a recorded HLS folder: `000000.ts`, `000001.ts`… */
const SEGMENT_NAME = /^\d{6,12}\.ts$/;
const DAY_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The key of a new recording: a file (FLV, MP4, AAC) or an HLS folder. `attempt` > 0 adds `-n` to find a
 * free name: the caller creates the key exclusively and asks again with the next attempt on EEXIST.
 */
export function recordingKey(name: RecordingName, attempt: number): string {
  const t = name.startedAt;
  const day = `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  const time = `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  const stem = name.fileNameTemplate
    ? expandFileNameTemplate(name.fileNameTemplate, name)
    : `${name.stem ?? name.stream}_${day.replaceAll('-', '')}-${time}`;
  const base = `${stem}${attempt > 0 ? `-${attempt}` : ''}`;
  const extension = name.format === 'hls' ? '' : `.${name.format}`;
  return `${name.app}/${name.stream}/${day}/${base}${extension}`;
}

/** Where an MP4 is rewritten to fast start before being renamed over itself; recovery removes strays. */
export function fastStartPartialKey(key: string): string {
  return `${key}.faststart-partial`; // matched by FASTSTART_PARTIAL
}

/**
 * Why a file-name template cannot be used (undefined when it can): it must be made of letters, digits,
 * `_`, `-`, `.` and known `{Placeholder}`s, not start with `.` nor hold `..`, and fit
 * MAX_FILE_NAME_TEMPLATE_BYTES.
 */
export function fileNameTemplateProblem(template: string): string | undefined {
  if (Buffer.byteLength(template, 'utf8') > MAX_FILE_NAME_TEMPLATE_BYTES)
    return `is longer than ${MAX_FILE_NAME_TEMPLATE_BYTES} bytes`;
  if (!TEMPLATE_CHARS.test(template)) return 'may hold letters, digits, _, -, . and {placeholders} only';
  if (template.startsWith('.') || template.includes('..')) return 'may not start with . nor hold ..';
  const rest = template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
    PLACEHOLDERS.has(name) ? '' : whole,
  );
  const unknown = /\{[^}]*\}?|\}/.exec(rest);
  if (unknown) return `has an unknown placeholder or a stray brace: ${unknown[0].slice(0, 32)}`;
  return undefined;
}

/**
 * The stem a file-name template gives one file: placeholders replaced, cut to MAX_STEM_BYTES of UTF-8
 * between whole characters so that `-n` and the extension still fit a 255-byte file name.
 */
function expandFileNameTemplate(template: string, name: RecordingName): string {
  const end = name.plannedEndAt ?? name.startedAt;
  const expanded = template.replace(
    /\{(Start|End)?([A-Za-z]+)\}/g,
    (whole, edge: string | undefined, part: string) => {
      if (edge === undefined) return part === 'StreamID' ? name.stream : whole;
      const format = TIME_PARTS[part as keyof typeof TIME_PARTS];
      return format ? format(edge === 'Start' ? name.startedAt : end) : whole;
    },
  );
  // A stream name is already a safe path part; the cut keeps the stem non-empty.
  return truncateToUtf8Bytes(expanded, MAX_STEM_BYTES) || name.stream;
}

/** The playlist of an HLS recording folder (what its catalog row's `storageKey` names). */
export function playlistKey(folder: string): string {
  return `${folder}/${PLAYLIST_NAME}`;
}

export function reserveKey(folder: string): string {
  return `${folder}/${RESERVE_NAME}`;
}

export function segmentName(seq: number): string {
  return `${String(seq).padStart(6, '0')}.ts`;
}

export function segmentKey(folder: string, seq: number): string {
  return `${folder}/${segmentName(seq)}`;
}

export function isSegmentName(name: string): boolean {
  return SEGMENT_NAME.test(name);
}

/** The key of the playlist whose folder holds this segment, or undefined if `key` names no segment. */
export function playlistKeyOfSegment(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  if (slash < 0 || !isSegmentName(key.slice(slash + 1))) return undefined;
  return playlistKey(key.slice(0, slash));
}

/** What a recording occupies: its file, or for HLS the folder of its playlist and segments. */
export function mediaKey(row: { format: string; storageKey: string }): string {
  return row.format === 'hls' ? parentKey(row.storageKey) : row.storageKey;
}

const RECORDED_FILE = /\.(flv|mp4|aac)$/;
const FASTSTART_PARTIAL = /\.faststart-partial$/;

/**
 * The recording a stored key belongs to, when it has a recording's shape: a file
 * `{app}/{stream}/{day}/{name}.{flv|mp4|aac}` (or its fast-start rewrite in progress, its own media), or
 * a file of an HLS folder `{app}/{stream}/{day}/{folder}/` (playlist, segment, reserve). Undefined for
 * anything else (snapshots, posters, thumbnails).
 */
export function recordingMediaOf(key: string): { media: string; hls: boolean } | undefined {
  const parts = key.split('/');
  if (!DAY_FOLDER.test(parts[2] ?? '')) return undefined;
  const name = parts.at(-1)!;
  if (parts.length === 4 && (RECORDED_FILE.test(name) || FASTSTART_PARTIAL.test(name)))
    return { media: key, hls: false };
  if (parts.length === 5 && (name === PLAYLIST_NAME || name === RESERVE_NAME || isSegmentName(name)))
    return { media: parentKey(key), hls: true };
  return undefined;
}

/** The day folder (`{app}/{stream}/{YYYY-MM-DD}`) a recording's media sits in, and its UTC date. */
export function dayFolderOf(media: string): { folder: string; day: string } | undefined {
  const folder = parentKey(media);
  const day = folder.slice(folder.lastIndexOf('/') + 1);
  return DAY_FOLDER.test(day) ? { folder, day } : undefined;
}

export function parentKey(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
