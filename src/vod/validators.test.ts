import { describe, expect, it } from 'vitest';
import { fileValidators, isNotModified, rangeStillValid } from './validators.js';

const MTIME = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
const v = fileValidators(123456, MTIME, '1750000000123042917');

describe('fileValidators', () => {
  it('is a strong, quoted tag that changes with size, mtime and identity', () => {
    expect(v.etag).toMatch(/^"[0-9a-z]+-[0-9a-z]+-1750000000123042917"$/);
    expect(fileValidators(123457, MTIME, '1750000000123042917').etag).not.toBe(v.etag);
    expect(fileValidators(123456, MTIME + 1, '1750000000123042917').etag).not.toBe(v.etag);
    expect(fileValidators(123456, MTIME, '1750000000123042917-000001').etag).not.toBe(v.etag);
    expect(v.lastModified).toBe('Thu, 02 Jan 2025 03:04:05 GMT');
  });
});

describe('isNotModified', () => {
  it.each([
    [{ ifNoneMatch: v.etag }, true],
    [{ ifNoneMatch: `W/${v.etag}` }, true],
    [{ ifNoneMatch: `"other", ${v.etag}` }, true],
    [{ ifNoneMatch: '*' }, true],
    [{ ifNoneMatch: '"other"' }, false],
    // If-None-Match wins over If-Modified-Since
    [{ ifNoneMatch: '"other"', ifModifiedSince: 'Thu, 02 Jan 2025 03:04:05 GMT' }, false],
    [{ ifModifiedSince: 'Thu, 02 Jan 2025 03:04:05 GMT' }, true],
    [{ ifModifiedSince: 'Fri, 03 Jan 2025 00:00:00 GMT' }, true],
    [{ ifModifiedSince: 'Thu, 02 Jan 2025 03:04:04 GMT' }, false],
    [{ ifModifiedSince: 'yesterday' }, false],
    [{}, false],
  ])('%j → %s', (headers, expected) => {
    expect(isNotModified(headers, v)).toBe(expected);
  });
});

describe('rangeStillValid', () => {
  it.each([
    [{}, true],
    [{ ifRange: v.etag }, true],
    [{ ifRange: v.lastModified }, true],
    [{ ifRange: `W/${v.etag}` }, false],
    [{ ifRange: '"other"' }, false],
    [{ ifRange: 'Thu, 02 Jan 2025 03:04:06 GMT' }, false],
  ])('%j → %s', (headers, expected) => {
    expect(rangeStillValid(headers, v)).toBe(expected);
  });
});
