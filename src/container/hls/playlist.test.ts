import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type MediaPlaylist,
  PlaylistParseError,
  parseMediaPlaylist,
  renderMediaPlaylist,
} from './playlist.js';

const VOD: MediaPlaylist = {
  kind: 'vod',
  targetDurationSec: 4,
  mediaSequence: 0,
  discontinuitySequence: 0,
  segments: [
    { uri: 'seg-0.ts', durationSec: 4, programDateTime: new Date('2026-01-02T03:04:05.678Z') },
    { uri: 'seg-1.ts', durationSec: 3.0666 },
    { uri: 'seg-2.ts', durationSec: 1.5, discontinuity: true },
  ],
  ended: true,
};

describe('renderMediaPlaylist', () => {
  it('renders a VOD playlist per RFC 8216', () => {
    expect(renderMediaPlaylist(VOD)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-TARGETDURATION:4',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-PLAYLIST-TYPE:VOD',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T03:04:05.678Z',
        '#EXTINF:4.000,',
        'seg-0.ts',
        '#EXTINF:3.067,',
        'seg-1.ts',
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:1.500,',
        'seg-2.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });

  it('writes the discontinuity sequence once segments with discontinuities have slid out', () => {
    const live = renderMediaPlaylist({
      ...VOD,
      kind: 'live',
      mediaSequence: 12,
      discontinuitySequence: 2,
      ended: false,
    });
    expect(live).toContain(
      '#EXT-X-MEDIA-SEQUENCE:12\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n#EXT-X-INDEPENDENT-SEGMENTS\n',
    );
    expect(live).not.toMatch(/PLAYLIST-TYPE|ENDLIST/);
    expect(renderMediaPlaylist({ ...VOD, kind: 'event', ended: false })).toContain(
      '#EXT-X-PLAYLIST-TYPE:EVENT\n',
    );
  });

  it('raises the target duration rather than list a segment longer than it', () => {
    const text = renderMediaPlaylist({
      ...VOD,
      targetDurationSec: 2,
      segments: [{ uri: 'a.ts', durationSec: 6.5 }],
    });
    expect(text).toContain('#EXT-X-TARGETDURATION:7\n');
    const justUnder = renderMediaPlaylist({
      ...VOD,
      targetDurationSec: 6,
      segments: [{ uri: 'a.ts', durationSec: 6.4994 }],
    });
    expect(justUnder).toContain('#EXT-X-TARGETDURATION:6\n');
  });

  it('refuses URIs and durations that would corrupt the playlist', () => {
    for (const uri of ['a.ts\n#EXT-X-ENDLIST', '#a.ts', ' a.ts', '']) {
      expect(() => renderMediaPlaylist({ ...VOD, segments: [{ uri, durationSec: 1 }] })).toThrow(RangeError);
    }
    for (const durationSec of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() => renderMediaPlaylist({ ...VOD, segments: [{ uri: 'a.ts', durationSec }] })).toThrow(
        RangeError,
      );
    }
  });
});

describe('parseMediaPlaylist', () => {
  it('reads back what other writers produce', () => {
    const text = [
      '\uFEFF#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-ALLOW-CACHE:NO',
      '# a comment',
      '#EXT-X-MEDIA-SEQUENCE:5',
      '#EXT-X-TARGETDURATION:10',
      '',
      '#EXTINF:10,',
      'http://cdn.example/live/a-5.ts?t=1',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T11:04:05+0800',
      '#EXTINF:9.5,title with, commas',
      'a-6.ts',
      '#EXT-X-DISCONTINUITY',
      '#EXT-X-PROGRAM-DATE-TIME:2026-01-02T11:04:15.5+08:00',
      '#EXTINF:4.25',
      'a-7.ts',
      '#EXT-X-ENDLIST',
    ].join('\r\n');
    expect(parseMediaPlaylist(text)).toEqual({
      kind: 'live',
      targetDurationSec: 10,
      mediaSequence: 5,
      discontinuitySequence: 0,
      segments: [
        { uri: 'http://cdn.example/live/a-5.ts?t=1', durationSec: 10 },
        { uri: 'a-6.ts', durationSec: 9.5, programDateTime: new Date('2026-01-02T03:04:05Z') },
        {
          uri: 'a-7.ts',
          durationSec: 4.25,
          discontinuity: true,
          programDateTime: new Date('2026-01-02T03:04:15.5Z'),
        },
      ],
      ended: true,
    });
  });

  it.each([
    ['no header', '#EXT-X-TARGETDURATION:4\n'],
    ['a master playlist', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n'],
    ['a URI without EXTINF', '#EXTM3U\n#EXT-X-TARGETDURATION:4\na.ts\n'],
    ['an EXTINF without URI', '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n'],
    ['no target duration', '#EXTM3U\n#EXTINF:4,\na.ts\n'],
    ['a bad duration', '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:four,\na.ts\n'],
    ['a bad sequence', '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:-1\n'],
    [
      'a bad date',
      '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:4,\na.ts\n',
    ],
    ['an unknown playlist type', '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:LIVE\n'],
    ['byte ranges', '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4,\n#EXT-X-BYTERANGE:100@0\na.ts\n'],
  ])('rejects %s with PlaylistParseError', (_, text) => {
    expect(() => parseMediaPlaylist(text)).toThrow(PlaylistParseError);
  });

  it('round-trips anything render emits', () => {
    const segment = fc.record(
      {
        uri: fc.stringMatching(/^[A-Za-z0-9._/?=&:-]{1,40}$/).filter((u) => !u.startsWith('#')),
        durationSec: fc.integer({ min: 0, max: 3_600_000 }).map((ms) => ms / 1000),
        discontinuity: fc.constant(true),
        programDateTime: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }),
      },
      { requiredKeys: ['uri', 'durationSec'] },
    );
    const playlist = fc
      .record({
        kind: fc.constantFrom('live' as const, 'event' as const, 'vod' as const),
        targetDurationSec: fc.integer({ min: 0, max: 4000 }),
        mediaSequence: fc.nat(),
        discontinuitySequence: fc.nat(),
        segments: fc.array(segment, { maxLength: 20 }),
        ended: fc.boolean(),
      })
      .map((p) => ({
        ...p,
        targetDurationSec: Math.max(p.targetDurationSec, ...p.segments.map((s) => Math.round(s.durationSec))),
      }));
    fc.assert(
      fc.property(playlist, (p) => {
        expect(parseMediaPlaylist(renderMediaPlaylist(p))).toEqual(p);
      }),
    );
  });

  it('throws nothing but PlaylistParseError on arbitrary text', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        '#EXTM3U',
        '#EXTINF:',
        '#EXTINF:1.5,',
        '#EXT-X-TARGETDURATION:',
        '#EXT-X-DISCONTINUITY',
      ),
      fc.constantFrom(
        '#EXT-X-PROGRAM-DATE-TIME:2026-13-45T99:99:99Z',
        '#EXT-X-MEDIA-SEQUENCE:99999999999999999999',
      ),
      fc.constantFrom('a.ts', '', '\r', '#EXT-X-ENDLIST', '#EXT-X-PLAYLIST-TYPE:VOD'),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 500 }),
      fc.array(line, { maxLength: 30 }).map((lines) => ['#EXTM3U', ...lines].join('\n')),
    );
    fc.assert(
      fc.property(text, (t) => {
        try {
          parseMediaPlaylist(t);
        } catch (error) {
          expect(error).toBeInstanceOf(PlaylistParseError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
