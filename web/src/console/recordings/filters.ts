/**
 * The Recordings page's filters live in its URL (`?stream=&format=&from=&to=&status=`), so a filtered list can
 * be bookmarked and the back button restores the previous one. Dates are days in the viewer's zone.
 */
import { localDayStart } from '../../lib/format.js';

export const FORMATS = ['mp4', 'hls', 'flv', 'aac'] as const;
/** '' lists finished files; `failed` the files that could not be finalized; `all` every file. */
export const STATUSES = ['failed', 'all'] as const;

export interface RecordingFilters {
  stream: string;
  /** One of FORMATS, or '' for any. */
  format: string;
  /** `YYYY-MM-DD` from `<input type=date>`, or ''. */
  from: string;
  to: string;
  /** One of STATUSES, or '' for finished files. */
  status: string;
}

export function filtersFrom(search: URLSearchParams): RecordingFilters {
  const format = search.get('format') ?? '';
  return {
    stream: search.get('stream') ?? '',
    format: (FORMATS as readonly string[]).includes(format) ? format : '',
    from: search.get('from') ?? '',
    to: search.get('to') ?? '',
    status: (STATUSES as readonly string[]).includes(search.get('status') ?? '') ? search.get('status')! : '',
  };
}

/** The page's URL query for these filters; empty ones are left out. */
export function filterSearch(filters: Partial<RecordingFilters>, view?: string): string {
  const params = new URLSearchParams();
  if (view) params.set('view', view);
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value.trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The `GET /api/v1/recordings` parameters: the `to` day is inclusive here, exclusive in the API. */
export function recordingQuery(filters: RecordingFilters): Record<string, string | number | undefined> {
  return {
    stream: filters.stream.trim() || undefined,
    format: filters.format || undefined,
    from: localDayStart(filters.from),
    to: localDayStart(filters.to, 1),
    status: filters.status || undefined,
  };
}
