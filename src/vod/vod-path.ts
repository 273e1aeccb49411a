/**
 * From the raw request path under `/vod/` to a storage key, refusing anything that is not a plain
 * relative path: no empty, `.` or `..` segments (also percent-encoded), no encoded `/`, no `\`, no NUL
 * or other control characters. The key is then only served if the catalog knows it, and the media store
 * checks once more that it stays inside the media folder; this is the first of those three gates.
 */
export type VodPath =
  | { readonly ok: true; readonly key: string }
  | { readonly ok: false; readonly message: string };

/** Longer than any key the recorder makes (app and stream names are short); also bounds the work here. */
export const MAX_VOD_PATH_LENGTH = 1024;
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f\\/]/;

/** `rawPath` is the URL path after `/vod/`, still percent-encoded, without the query. */
export function parseVodPath(rawPath: string): VodPath {
  if (rawPath.length > MAX_VOD_PATH_LENGTH)
    return refuse(`path is longer than ${MAX_VOD_PATH_LENGTH} characters`);
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse('path has a malformed percent-encoding');
    }
    if (segment === '' || segment === '.' || segment === '..')
      return refuse('path has an empty, "." or ".." segment');
    if (FORBIDDEN_CHARACTERS.test(segment))
      return refuse('path has an encoded slash, a backslash or a control character');
    segments.push(segment);
  }
  return { ok: true, key: segments.join('/') };
}

function refuse(message: string): VodPath {
  return { ok: false, message };
}
