import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { playlistKeyOfSegment } from '../storage/layout.js';
import { MAX_VOD_PATH_LENGTH, parseVodPath } from './vod-path.js';

describe('parseVodPath', () => {
  it('decodes each segment of a plain relative path', () => {
    expect(parseVodPath('live/s%201/2025-01-02/s%201_20250102-030405.mp4')).toEqual({
      ok: true,
      key: 'live/s 1/2025-01-02/s 1_20250102-030405.mp4',
    });
  });

  it.each([
    '../etc/passwd',
    'live/../../etc/passwd',
    'live/%2e%2e/%2E%2E/etc/passwd',
    'live/%2e/x.mp4',
    '/etc/passwd',
    '%2fetc%2fpasswd',
    'live%2f..%2f..%2fetc/passwd',
    'live/a%5c..%5cb.mp4',
    'live\\..\\b.mp4',
    'live/a%00.mp4',
    'live//a.mp4',
    'live/a.mp4/',
    'live/%E0%A4%A',
    'live/%0a.mp4',
    '',
    'a/'.repeat(MAX_VOD_PATH_LENGTH),
  ])('refuses %j', (raw) => {
    expect(parseVodPath(raw).ok).toBe(false);
  });

  it('never yields a key that could leave the folder it is resolved in', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.webPath(),
          fc
            .array(fc.constantFrom('..', '.', '%2e', '%2E%2e', '%2f', '%5c', 'a', '/', '%00'))
            .map((parts) => parts.join('')),
        ),
        (raw) => {
          const r = parseVodPath(raw);
          if (!r.ok) return;
          const segments = r.key.split('/');
          expect(
            segments.every(
              (s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\') && !s.includes('\0'),
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('playlistKeyOfSegment', () => {
  it('maps a segment to its folder playlist', () => {
    expect(playlistKeyOfSegment('live/s/2025-01-02/s_20250102-030405/000003.ts')).toBe(
      'live/s/2025-01-02/s_20250102-030405/index.m3u8',
    );
  });

  it.each([
    'a/.reserve',
    'a/index.m3u8.partial',
    'a/3.ts',
    'a/000003.ts.partial',
    '000003.ts',
    'a/000003.mp4',
  ])('ignores %j', (key) => {
    expect(playlistKeyOfSegment(key)).toBeUndefined();
  });
});
