import { describe, expect, it } from 'vitest';
import { LiveHlsWindow } from './live-window.js';
import { parseMediaPlaylist } from './playlist.js';

const uri = (seq: number) => `live-${seq}.ts`;

/** Segments of 2 s back to back from T0 (segment n starts at T0 + 2n s). */
const T0 = Date.UTC(2026, 0, 1);

function segment(seq: number, durationMs = 2000, discontinuity = false) {
  return {
    seq,
    durationMs,
    data: [Buffer.from([seq & 0xff])],
    bytes: 1,
    startedAt: T0 + seq * 2000,
    ...(discontinuity && { discontinuity }),
  };
}

describe('LiveHlsWindow', () => {
  it('lists the newest windowSize segments and serves two more that just slid out', () => {
    const window = new LiveHlsWindow({ windowSize: 3 });
    for (let seq = 10; seq < 18; seq++) window.add(segment(seq));
    const listed = parseMediaPlaylist(window.playlist(uri));
    expect(listed).toMatchObject({ kind: 'live', mediaSequence: 15, targetDurationSec: 2, ended: false });
    expect(listed.segments.map((s) => s.uri)).toEqual(['live-15.ts', 'live-16.ts', 'live-17.ts']);
    expect(window.segment(13)?.data).toEqual([Buffer.from([13])]);
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

  it('with a DVR window lists that far back and hands back what leaves it', () => {
    const window = new LiveHlsWindow({ windowSize: 3, dvrWindowMs: 10_000 });
    const gone = [];
    for (let seq = 0; seq < 12; seq++) gone.push(...window.add(segment(seq)));
    const listed = parseMediaPlaylist(window.playlist(uri));
    // 10 s of 2 s segments: 5 listed, two more kept for players that saw them a moment ago.
    expect(listed.segments.map((s) => s.uri)).toEqual([
      'live-7.ts',
      'live-8.ts',
      'live-9.ts',
      'live-10.ts',
      'live-11.ts',
    ]);
    expect(listed.segments[0]!.programDateTime).toEqual(new Date(T0 + 7 * 2000));
    expect(window.listedDurationMs).toBe(10_000);
    expect(window.kept.map((s) => s.seq)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    expect(gone.map((s) => s.seq)).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps the listing of a released segment and forgets its bytes', () => {
    const window = new LiveHlsWindow({ windowSize: 2, dvrWindowMs: 60_000 });
    for (let seq = 0; seq < 4; seq++) window.add(segment(seq));
    window.release(1);
    expect(window.segment(1)).toMatchObject({ seq: 1, data: undefined, bytes: 1 });
    expect(parseMediaPlaylist(window.playlist(uri)).segments).toHaveLength(4);
  });

  it('cuts the listing after a segment that was lost, so it stays contiguous', () => {
    const window = new LiveHlsWindow({ windowSize: 2, dvrWindowMs: 60_000 });
    for (let seq = 0; seq < 6; seq++) window.add(segment(seq, 2000, seq === 1));
    expect(window.dropThrough(2).map((s) => s.seq)).toEqual([0, 1, 2]);
    const listed = parseMediaPlaylist(window.playlist(uri));
    expect(listed).toMatchObject({ mediaSequence: 3, discontinuitySequence: 1 });
    expect(window.listedDurationMs).toBe(6000);
  });

  it('delays the live edge for tsDelay', () => {
    const window = new LiveHlsWindow({ windowSize: 3, dvrWindowMs: 60_000 });
    for (let seq = 0; seq < 20; seq++) window.add(segment(seq));
    const now = T0 + 40_000; // segment 19 ends now
    const delayed = parseMediaPlaylist(window.timeShiftPlaylist(uri, { kind: 'delay', delayMs: 9000 }, now)!);
    // Segments that ended by now − 9 s = T0 + 31 s: up to segment 14 (ends at 30 s).
    expect(delayed).toMatchObject({ kind: 'live', mediaSequence: 0, ended: false });
    expect(delayed.segments.at(-1)!.uri).toBe('live-14.ts');
    expect(window.timeShiftPlaylist(uri, { kind: 'delay', delayMs: 60_000 }, now)).toBeUndefined();
  });

  it('cuts a wall-clock range for tsStart/tsEnd, growing until it is covered', () => {
    const window = new LiveHlsWindow({ windowSize: 3, dvrWindowMs: 60_000 });
    for (let seq = 0; seq < 10; seq++) window.add(segment(seq));
    const now = T0 + 20_000;
    const range = (startS: number, endS: number) =>
      window.timeShiftPlaylist(
        uri,
        { kind: 'range', startMs: T0 + startS * 1000, endMs: T0 + endS * 1000 },
        now,
      );
    const done = parseMediaPlaylist(range(5, 11)!);
    expect(done).toMatchObject({ kind: 'vod', ended: true, mediaSequence: 2 });
    expect(done.segments.map((s) => s.uri)).toEqual(['live-2.ts', 'live-3.ts', 'live-4.ts', 'live-5.ts']);
    expect(done.segments[0]!.programDateTime).toEqual(new Date(T0 + 4000));
    const growing = parseMediaPlaylist(range(15, 30)!);
    expect(growing).toMatchObject({ kind: 'event', ended: false, mediaSequence: 7 });
    window.add(segment(10));
    window.end();
    expect(parseMediaPlaylist(range(15, 30)!)).toMatchObject({ kind: 'vod', ended: true });
    expect(range(-30, -10)).toBeUndefined();
  });
});
