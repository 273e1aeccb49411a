/**
 * The `Range` request header (RFC 9110 §14.1.2, §14.2) reduced to what a file server acts on.
 * Several ranges in one request are answered with the whole file (`200`): §14.2 lets a server ignore
 * `Range`, every player asks for one range at a time, and multipart bodies would cost a copy per part.
 */

export type RangeRequest =
  /** Serve the whole file with 200: no header, a unit other than bytes, bad syntax, or several ranges. */
  | { readonly kind: 'full' }
  /** Serve `[start, end]` (inclusive) with 206. */
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  /** Answer 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeRequest = { kind: 'full' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };
/** Longer offsets than 2^53 cannot be exact; 15 digits covers any file a disk holds. */
const RANGE_SPEC = /^(?:(\d{1,15})-(\d{0,15})|-(\d{1,15}))$/;
/** Headers beyond this are not worth parsing: no player sends one, and a hostile one should cost nothing. */
const MAX_HEADER_LENGTH = 1024;

/** What to serve of a file of `size` bytes for the raw `Range` header value (undefined: none sent). */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined || header.length > MAX_HEADER_LENGTH) return FULL;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return FULL;
  // Empty list elements are allowed (`bytes=0-1,`), RFC 9110 §5.6.1.
  const specs = header
    .slice(eq + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '');
  if (specs.length !== 1) return FULL;
  const match = RANGE_SPEC.exec(specs[0]!);
  if (!match) return FULL;
  const [, first, last, suffix] = match;
  if (suffix !== undefined) {
    const length = Number(suffix);
    if (length === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' || last === undefined ? undefined : Number(last);
  // first > last is invalid syntax, which §14.2 says to ignore rather than reject.
  if (end !== undefined && end < start) return FULL;
  if (start >= size) return UNSATISFIABLE;
  return { kind: 'partial', start, end: Math.min(end ?? size - 1, size - 1) };
}
