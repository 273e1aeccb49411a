/**
 * Instants given in a query string: milliseconds since the epoch, or ISO 8601 (a date alone means
 * midnight UTC; a date and time must carry `Z` or an offset, since a server's local zone is nobody's).
 */
export class TimeParamError extends Error {
  override readonly name = 'TimeParamError';
}

const MILLIS = /^[0-9]{1,15}$/;
// A `+` left unencoded in a query string arrives as a space, so a space before the offset means `+`.
const ISO =
  /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(?:(Z)|([+ -])([0-9]{2}):?([0-9]{2}))?)?$/i;
const MAX_OFFSET_MINUTES = 18 * 60;

/** Milliseconds since the epoch; throws TimeParamError for anything else. */
export function parseTimeParam(text: string): number {
  if (MILLIS.test(text)) return Number(text);
  const m = ISO.exec(text);
  if (m === null) {
    throw new TimeParamError(
      'must be milliseconds since the epoch or an ISO 8601 time such as 2025-06-01T12:00:00Z',
    );
  }
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, offsetH, offsetM] = m;
  if (h !== undefined && zulu === undefined && sign === undefined) {
    throw new TimeParamError('needs a time zone: end it with Z or an offset such as +08:00');
  }
  const fields = [y, mo, d, h, mi, s].map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [year, month, day, hour, minute, second] = fields;
  const utc = Date.UTC(
    year,
    month - 1,
    day,
    hour,
    minute,
    second,
    Math.floor(Number(`0.${fraction ?? 0}`) * 1000),
  );
  // Date.UTC rolls Feb 30 over into March and 24:00 into the next day: a changed field was out of range.
  const check = new Date(utc);
  const asGiven = [
    check.getUTCFullYear(),
    check.getUTCMonth() + 1,
    check.getUTCDate(),
    check.getUTCHours(),
    check.getUTCMinutes(),
    check.getUTCSeconds(),
  ];
  const offsetMinutes =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetH) * 60 + Number(offsetM));
  if (asGiven.some((value, i) => value !== fields[i]) || Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) {
    throw new TimeParamError('is not a valid date and time');
  }
  return utc - offsetMinutes * 60_000;
}
