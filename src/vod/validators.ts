/**
 * Cache validators of a served file and the conditional requests that use them (RFC 9110 §8.8, §13).
 * Recorded files never change once cataloged `done`, so a strong ETag built from size, mtime and the
 * file's identity is exact; it changes if the file is ever replaced (repair, re-upload).
 */

export interface FileValidators {
  /** Strong entity tag, quotes included. */
  readonly etag: string;
  /** HTTP-date of the mtime, whole seconds. */
  readonly lastModified: string;
}

/** `tag` names the file (recording id, plus the segment for HLS) so two files never share an ETag. */
export function fileValidators(size: number, mtimeMs: number, tag: string): FileValidators {
  const mtime = Math.floor(mtimeMs);
  return {
    etag: `"${size.toString(36)}-${mtime.toString(36)}-${tag}"`,
    lastModified: new Date(mtime).toUTCString(),
  };
}

export interface ConditionalHeaders {
  readonly ifNoneMatch?: string;
  readonly ifModifiedSince?: string;
  readonly ifRange?: string;
}

/**
 * True when a GET/HEAD should be answered 304 (§13.2.2 steps 3–4): If-None-Match decides when present
 * (weak comparison, `*` matches any file), otherwise If-Modified-Since against the mtime.
 */
export function isNotModified(headers: ConditionalHeaders, validators: FileValidators): boolean {
  if (headers.ifNoneMatch !== undefined) {
    const tags = headers.ifNoneMatch.split(',').map((tag) => tag.trim());
    return tags.includes('*') || tags.some((tag) => opaqueTag(tag) === opaqueTag(validators.etag));
  }
  if (headers.ifModifiedSince === undefined) return false;
  const since = Date.parse(headers.ifModifiedSince);
  return !Number.isNaN(since) && Date.parse(validators.lastModified) <= since;
}

/**
 * True when a Range request may be honoured (§13.1.5): no If-Range, or one that still names this file
 * by strong ETag comparison or by exactly its Last-Modified date. Otherwise the whole file is sent.
 */
export function rangeStillValid(headers: ConditionalHeaders, validators: FileValidators): boolean {
  const value = headers.ifRange?.trim();
  if (value === undefined) return true;
  if (value.startsWith('W/')) return false;
  if (value.startsWith('"')) return value === validators.etag;
  return value === validators.lastModified;
}

/** Weak comparison ignores the `W/` prefix. */
function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
