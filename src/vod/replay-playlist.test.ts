import { describe, expect, it } from 'vitest';
import { type MediaPlaylist, parseMediaPlaylist, renderMediaPlaylist } from '../container/hls/playlist.js';
import { replayPlaylist, segmentKeyOf, withQueryOnUris } from './replay-playlist.js';

function recorded(count: number, opts: { target?: number; resumedAt?: number } = {}): MediaPlaylist {
  return {
    kind: 'vod',
    targetDurationSec: opts.target ?? 4,
    mediaSequence: 0,
    discontinuitySequence: 0,
    segments: Array.from({ length: count }, (_, i) => ({
      uri: `${String(i).padStart(6, '0')}.ts`,
      durationSec: 4,
      discontinuity: i === opts.resumedAt,
    })),
    ended: true,
  };
}

const under = (dir: string) => (uri: string) => `/vod/${dir}/${uri}`;

describe('replayPlaylist', () => {
  it('concatenates recordings in order with a discontinuity where each later one starts', () => {
    const p = replayPlaylist(
      [
        { playlist: recorded(2), segmentUri: under('a') },
        { playlist: recorded(3, { resumedAt: 2 }), segmentUri: under('b') },
        { playlist: recorded(1, { target: 6 }), segmentUri: under('c') },
      ],
      true,
    );
    expect(p.segments.map((s) => [s.uri, s.discontinuity])).toEqual([
      ['/vod/a/000000.ts', false],
      ['/vod/a/000001.ts', false],
      ['/vod/b/000000.ts', true],
      ['/vod/b/000001.ts', false],
      ['/vod/b/000002.ts', true], // the recording's own resume point is kept
      ['/vod/c/000000.ts', true],
    ]);
    expect(p).toMatchObject({ kind: 'vod', ended: true, targetDurationSec: 6 });
    const text = renderMediaPlaylist(p);
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:VOD');
    expect(text.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(parseMediaPlaylist(text).segments).toHaveLength(6);
  });

  it('is an EVENT playlist without ENDLIST while a file is still recording, and skips empty parts', () => {
    const p = replayPlaylist(
      [
        { playlist: undefined, segmentUri: under('a') },
        { playlist: recorded(2), segmentUri: under('b') },
        { playlist: recorded(1), segmentUri: (uri) => (uri === '000000.ts' ? undefined : uri) },
      ],
      false,
    );
    expect(p.segments.map((s) => s.uri)).toEqual(['/vod/b/000000.ts', '/vod/b/000001.ts']);
    expect(p.segments[0]!.discontinuity).toBe(false);
    const text = renderMediaPlaylist(p);
    expect(text).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(text).not.toContain('#EXT-X-ENDLIST');
  });
});

describe('segmentKeyOf', () => {
  it('resolves a plain name beside its playlist and nothing else', () => {
    expect(segmentKeyOf('live/s/d/x/index.m3u8', '000001.ts')).toBe('live/s/d/x/000001.ts');
    for (const uri of ['../y/000001.ts', 'http://evil/1.ts', '/abs.ts', 'a\\b.ts', '..', 'x.ts?y', 'x#y']) {
      expect(segmentKeyOf('live/s/d/x/index.m3u8', uri), uri).toBeUndefined();
    }
  });
});

describe('withQueryOnUris', () => {
  it('adds the query to URI lines only', () => {
    const text =
      '#EXTM3U\r\n#EXTINF:4.000,\r\n000000.ts\r\n#EXTINF:4.000,\r\n/vod/a.ts?x=1\r\n#EXT-X-ENDLIST\r\n';
    expect(withQueryOnUris(text, 'txSecret=s&txTime=T')).toBe(
      '#EXTM3U\n#EXTINF:4.000,\n000000.ts?txSecret=s&txTime=T\n#EXTINF:4.000,\n/vod/a.ts?x=1&txSecret=s&txTime=T\n#EXT-X-ENDLIST\n',
    );
    expect(withQueryOnUris(text, '')).toBe(text);
  });
});
