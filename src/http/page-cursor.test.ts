import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CursorError, decodeCursor, encodeCursor, type PageCursor } from './page-cursor.js';

const cursors = fc.record({
  order: fc.constantFrom('asc' as const, 'desc' as const),
  position: fc.record({
    startTime: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    id: fc.stringMatching(/^[0-9]{19}$/),
  }),
});

describe('page cursors', () => {
  it('decode to what was encoded', () => {
    fc.assert(
      fc.property(cursors, (cursor: PageCursor) => {
        expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
      }),
    );
  });

  it('are short URL-safe tokens', () => {
    const token = encodeCursor({
      order: 'desc',
      position: { startTime: 1_750_000_000_000, id: '1750000000000123456' },
    });
    expect(token).toMatch(/^[A-Za-z0-9_-]{20,60}$/);
  });

  it.each([
    ['not base64url', 'abc$'],
    ['base64url of something else', Buffer.from('hello').toString('base64url')],
    ['an unknown order', Buffer.from('v1.up.1.1').toString('base64url')],
    ['an unsafe start time', Buffer.from('v1.asc.9999999999999999.1').toString('base64url')],
    ['too long', 'A'.repeat(201)],
  ])('refuses %s', (_what, token) => {
    expect(() => decodeCursor(token)).toThrow(CursorError);
  });

  it('answers any text with a cursor or a CursorError, nothing else', () => {
    const b64 = fc.string().map((s) => Buffer.from(s).toString('base64url'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), b64), (token) => {
        try {
          const cursor = decodeCursor(token);
          expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
        } catch (error) {
          expect(error).toBeInstanceOf(CursorError);
        }
      }),
    );
  });
});
