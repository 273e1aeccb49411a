import { describe, expect, it } from 'vitest';
import { LiveHlsWindow } from './live-window.js';
import { parseMediaPlaylist } from './playlist.js';

const uri = (seq: number) => `live-${seq}.ts`;

function segment(seq: number, durationMs = 2000, discontinuity = false) {
  return { seq, durationMs, data: [Buffer.from([seq & 0xff])], ...(discontinuity && { discontinuity }) };
}

describe('LiveHlsWindow', () => {
  it('lists the newest windowSize segments and serves two more that just slid out', () => {
    const window = new LiveHlsWindow({ windowSize: 3 });
    for (let seq = 10; seq < 18; seq++) window.add(segment(seq));
    const listed = parseMediaPlaylist(window.playlist(uri));
    expect(listed).toMatchObject({ kind: 'live', mediaSequence: 15, targetDurationSec: 2, ended: false });
    expect(listed.segments.map((s) => s.uri)).toEqual(['live-15.ts', 'live-16.ts', 'live-17.ts']);
    expect(window.segment(13)).toEqual([Buffer.from([13])]);
    expect(window.segment(12)).toBeUndefined();
    expect(window.segment(18)).toBeUndefined();
  });

  it('counts a discontinuity once its segment leaves the playlist', () => {
    const window = new LiveHlsWindow({ windowSize: 2 });
    window.add(segment(0));
    window.add(segment(1, 2000, true));
    window.add(segment(2));
    expect(parseMediaPlaylist(window.playlist(uri))).toMatchObject({
      discontinuitySequence: 0,
      segments: [{ uri: 'live-1.ts', discontinuity: true }, { uri: 'live-2.ts' }],
    });
    window.add(segment(3));
    const slid = parseMediaPlaylist(window.playlist(uri));
    expect(slid).toMatchObject({ mediaSequence: 2, discontinuitySequence: 1 });
    expect(slid.segments.some((s) => s.discontinuity)).toBe(false);
  });

  it('never lowers the target duration under a player', () => {
    const window = new LiveHlsWindow({ windowSize: 1 });
    window.add(segment(0, 5200));
    window.add(segment(1, 2000));
    expect(parseMediaPlaylist(window.playlist(uri)).targetDurationSec).toBe(6);
  });

  it('ends the playlist when the stream ends', () => {
    const window = new LiveHlsWindow({ windowSize: 3 });
    window.add(segment(0));
    window.end();
    expect(window.playlist(uri)).toMatch(/#EXT-X-ENDLIST\n$/);
  });

  it('refuses gaps in the sequence and a meaningless window size', () => {
    const window = new LiveHlsWindow({ windowSize: 3 });
    window.add(segment(4));
    expect(() => window.add(segment(6))).toThrow(RangeError);
    expect(() => new LiveHlsWindow({ windowSize: 0 })).toThrow(RangeError);
  });
});
