import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist, renderMediaPlaylist } from '../container/hls/playlist.js';
import { playlistPrefix } from './playlist-prefix.js';

const segments = (uris: string[]) => uris.map((uri, i) => ({ uri, durationSec: 2, discontinuity: i === 2 }));

describe('playlistPrefix', () => {
  it('cuts before the first segment not stored, with its tags, and drops the end tag', () => {
    const text = renderMediaPlaylist({
      kind: 'vod',
      targetDurationSec: 2,
      mediaSequence: 0,
      discontinuitySequence: 0,
      segments: segments(['0.ts', '1.ts', '2.ts', '3.ts']),
      ended: true,
    });
    const cut = playlistPrefix(text, (uri) => uri !== '2.ts');
    expect(parseMediaPlaylist(cut).segments.map((s) => s.uri)).toEqual(['0.ts', '1.ts']);
    expect(cut).not.toContain('DISCONTINUITY'); // 2.ts's own tag went with it
    expect(cut).not.toContain('#EXT-X-ENDLIST');
    expect(playlistPrefix(text, () => true)).toBe(text);
  });

  it('is a parsable prefix listing exactly the leading stored segments, for any playlist', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 20 }),
        fc.boolean(),
        fc.boolean(),
        (storedFlags, ended, crlf) => {
          const uris = storedFlags.map((_, i) => `${String(i).padStart(6, '0')}.ts`);
          let text = renderMediaPlaylist({
            kind: ended ? 'vod' : 'event',
            targetDurationSec: 2,
            mediaSequence: 0,
            discontinuitySequence: 0,
            segments: segments(uris),
            ended,
          });
          if (crlf) text = text.replaceAll('\n', '\r\n');
          const stored = new Set(uris.filter((_, i) => storedFlags[i]));
          const cut = playlistPrefix(text, (uri) => stored.has(uri));
          expect(text.startsWith(cut)).toBe(true);
          const firstMissing = storedFlags.indexOf(false);
          const expected = firstMissing < 0 ? uris : uris.slice(0, firstMissing);
          expect(parseMediaPlaylist(cut).segments.map((s) => s.uri)).toEqual(expected);
          if (firstMissing >= 0) expect(cut).not.toContain('#EXT-X-ENDLIST');
        },
      ),
    );
  });

  it('never throws and only ever returns a prefix, for any text', () => {
    fc.assert(
      fc.property(fc.string(), fc.func(fc.boolean()), (text, stored) => {
        expect(text.startsWith(playlistPrefix(text, stored))).toBe(true);
      }),
    );
  });
});
