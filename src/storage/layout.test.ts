import { describe, expect, it } from 'vitest';
import {
  dayFolderOf,
  mediaKey,
  playlistKey,
  playlistKeyOfSegment,
  recordingKey,
  segmentKey,
} from './layout.js';

const startedAt = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

describe('layout', () => {
  it('names files and HLS folders by app, stream, UTC day and start time, with -n for a taken name', () => {
    expect(recordingKey({ app: 'live', stream: 's', stem: undefined, startedAt, format: 'mp4' }, 0)).toBe(
      'live/s/2026-01-02/s_20260102-030405.mp4',
    );
    expect(recordingKey({ app: 'live', stream: 's', stem: 'show', startedAt, format: 'hls' }, 2)).toBe(
      'live/s/2026-01-02/show_20260102-030405-2',
    );
  });

  it('finds the playlist of a segment, the media of a row and the day folder', () => {
    const folder = 'live/s/2026-01-02/s_20260102-030405';
    expect(playlistKeyOfSegment(segmentKey(folder, 7))).toBe(playlistKey(folder));
    expect(playlistKeyOfSegment(`${folder}/index.m3u8`)).toBeUndefined();
    expect(playlistKeyOfSegment('000001.ts')).toBeUndefined();
    expect(mediaKey({ format: 'hls', storageKey: playlistKey(folder) })).toBe(folder);
    expect(mediaKey({ format: 'flv', storageKey: `${folder}.flv` })).toBe(`${folder}.flv`);
    expect(dayFolderOf(folder)).toEqual({ folder: 'live/s/2026-01-02', day: '2026-01-02' });
    expect(dayFolderOf('a/b.flv')).toBeUndefined();
  });
});
