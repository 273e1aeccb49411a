/**
 * What to record for one push, from the push URL (Tencent's `record`, `record_type`, `record_interval`,
 * `record_name`) or, when the URL asks for nothing, from the global recording setting.
 */

import { RECORD_FORMATS, type RecordFormat } from '../config/schema.js';
import { truncateToUtf8Bytes } from '../storage/name-bytes.js';

export { RECORD_FORMATS, type RecordFormat };

export interface RecordingDefaults {
  /** Global formats; empty = recording off unless the push URL asks. */
  formats: readonly RecordFormat[];
  intervalSec: number;
  intervalMinSec: number;
  intervalMaxSec: number;
}

export interface RecordingPlan {
  /** Formats to write, each once, in a stable order. Empty = nothing is recorded. */
  formats: RecordFormat[];
  /** `audio` records only the audio track (`record_type=audio`, or `record=aac`). */
  tracks: 'all' | 'audio';
  /** File length for FLV, MP4 and AAC; HLS is one playlist per push and is not split. */
  intervalSec: number;
  /** Sanitized `record_name`, used as the file name stem. */
  nameStem: string | undefined;
  source: 'push_url' | 'global' | 'rule' | 'task';
  /** Set when a record task asked for this recording (its files carry the id). */
  taskId?: string;
  /** The recording template (of a rule or a task) the files are made under. */
  templateId?: number;
  /** That template's file-name templates (`VodFileName`), per format: they name the files. */
  fileNameTemplates?: Partial<Record<RecordFormat, string>>;
  /** Parameters that were corrected rather than refused; reported with every file. */
  warnings: string[];
}

export class RecordPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordPlanError';
  }
}

const MAX_NAME_LENGTH = 100;
/** File names are limited to 255 bytes; the stem leaves room for `_YYYYMMDD-HHMMSS-n.ext`. */
const MAX_NAME_BYTES = 200;

/** Throws RecordPlanError for a value that cannot mean anything (the push is then refused). */
export function parseFormats(value: string): RecordFormat[] {
  const wanted = new Set<RecordFormat>();
  for (const raw of value.split(/[|,]/)) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (!(RECORD_FORMATS as readonly string[]).includes(name)) {
      throw new RecordPlanError(
        `unknown record format "${raw.trim().slice(0, 32)}": use flv, mp4, hls or aac, joined by |`,
      );
    }
    wanted.add(name as RecordFormat);
  }
  return RECORD_FORMATS.filter((f) => wanted.has(f));
}

export function planRecording(query: URLSearchParams, defaults: RecordingDefaults): RecordingPlan {
  const warnings: string[] = [];
  const recordParam = query.get('record');
  const fromUrl = recordParam !== null && recordParam.trim() !== '';
  const formats = fromUrl ? parseFormats(recordParam) : [...defaults.formats];

  const recordType = query.get('record_type')?.trim().toLowerCase() ?? '';
  if (recordType !== '' && recordType !== 'audio' && recordType !== 'video') {
    throw new RecordPlanError(`unknown record_type "${recordType.slice(0, 32)}": use audio or video`);
  }
  const tracks = recordType === 'audio' || (formats.length === 1 && formats[0] === 'aac') ? 'audio' : 'all';

  return {
    formats,
    tracks,
    intervalSec: resolveInterval(query.get('record_interval'), defaults, warnings),
    nameStem: sanitizeRecordName(query.get('record_name'), warnings),
    source: fromUrl ? 'push_url' : 'global',
    warnings,
  };
}

function resolveInterval(value: string | null, d: RecordingDefaults, warnings: string[]): number {
  if (value === null || value.trim() === '') return clamp(d.intervalSec, d.intervalMinSec, d.intervalMaxSec);
  if (!/^\d{1,9}$/.test(value.trim())) {
    warnings.push(
      `record_interval "${value.slice(0, 32)}" is not a whole number of seconds; using ${d.intervalSec}`,
    );
    return d.intervalSec;
  }
  const asked = Number(value.trim());
  const used = clamp(asked, d.intervalMinSec, d.intervalMaxSec);
  if (used !== asked) {
    warnings.push(
      `record_interval ${asked} is outside ${d.intervalMinSec}–${d.intervalMaxSec}; using ${used}`,
    );
  }
  return used;
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

/**
 * `record_name` becomes part of a file path: keep letters (any script) with their combining marks,
 * digits, `_`, `-` and `.`, replace everything else, never allow a leading dot or `..`, and bound the
 * length in characters and in UTF-8 bytes (cut between whole characters).
 */
export function sanitizeRecordName(value: string | null, warnings: string[]): string | undefined {
  if (value === null) return undefined;
  const withoutLead = value
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}_.-]+/gu, '_')
    .replace(/\.{2,}/g, '_')
    .replace(/^[\p{M}._-]+/u, '');
  const cleaned = truncateToUtf8Bytes(withoutLead, MAX_NAME_BYTES, MAX_NAME_LENGTH).replace(/[._-]+$/, '');
  if (cleaned !== value) {
    warnings.push(
      cleaned === ''
        ? `record_name "${truncateToUtf8Bytes(value, 96, 32)}" has no usable characters; ignored`
        : `record_name sanitized to "${cleaned}"`,
    );
  }
  return cleaned === '' ? undefined : cleaned;
}
