import { describe, expect, it } from 'vitest';
import { codeOfStatus, HTTP_ERRORS, type HttpErrorCode, statusOf } from './errors.js';

describe('the error catalogue', () => {
  it('gives every code a 4xx or 5xx status and a meaning', () => {
    for (const [code, entry] of Object.entries(HTTP_ERRORS)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it('maps a framework status to a code with that same status', () => {
    for (const status of [400, 401, 403, 404, 409, 413, 414, 415, 416, 429, 500, 503]) {
      expect(statusOf(codeOfStatus(status)), String(status)).toBe(status);
    }
  });

  it('answers an unknown 4xx as bad_request and any other 5xx as internal_error', () => {
    expect(codeOfStatus(418)).toBe<HttpErrorCode>('bad_request');
    expect(codeOfStatus(502)).toBe<HttpErrorCode>('internal_error');
  });
});
