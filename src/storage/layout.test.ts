import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dayFolderOf,
  fileNameTemplateProblem,
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

describe('file-name templates (VodFileName)', () => {
  const name = {
    app: 'live',
    stream: 'cam',
    stem: 'ignored',
    startedAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 67)),
    plannedEndAt: new Date(Date.UTC(2026, 0, 2, 3, 34, 5, 67)),
    format: 'flv' as const,
  };

  it('replaces every placeholder the reference documents, in UTC, and keeps -n and the extension', () => {
    const reference =
      '{StreamID}_{StartYear}-{StartMonth}-{StartDay}-{StartHour}-{StartMinute}-{StartSecond}_{EndYear}-{EndMonth}-{EndDay}-{EndHour}-{EndMinute}-{EndSecond}';
    expect(fileNameTemplateProblem(reference)).toBeUndefined();
    expect(recordingKey({ ...name, fileNameTemplate: reference }, 0)).toBe(
      'live/cam/2026-01-02/cam_2026-01-02-03-04-05_2026-01-02-03-34-05.flv',
    );
    expect(recordingKey({ ...name, fileNameTemplate: 'x.{StartMillisecond}.{EndMillisecond}' }, 3)).toBe(
      'live/cam/2026-01-02/x.067.067-3.flv',
    );
    // Without a planned end (HLS), {End…} is the start.
    const { plannedEndAt: _, ...hls } = name;
    expect(recordingKey({ ...hls, format: 'hls', fileNameTemplate: '{EndHour}{EndMinute}' }, 0)).toBe(
      'live/cam/2026-01-02/0304',
    );
  });

  it('cuts a long expansion to 200 bytes between whole characters', () => {
    const stream = '録'.repeat(100);
    const key = recordingKey({ ...name, stream, fileNameTemplate: '{StreamID}'.repeat(20) }, 0);
    const file = key.slice(key.lastIndexOf('/') + 1);
    expect(file).toBe(`${'録'.repeat(66)}.flv`);
  });

  it('refuses unknown placeholders, stray braces, path characters, leading dots and long templates', () => {
    for (const bad of [
      '{streamid}',
      '{Start}',
      '{StartYear',
      'a}b',
      'a/b',
      'a\\b',
      '.x',
      'a..b',
      'a b',
      'é'.repeat(101),
    ])
      expect(fileNameTemplateProblem(bad), bad).toBeDefined();
    expect(fileNameTemplateProblem('录像_{StreamID}-{EndMillisecond}.v1')).toBeUndefined();
  });

  it('any accepted template gives one path part of at most 255 bytes, whatever the stream', () => {
    const piece = fc.oneof(
      {
        weight: 4,
        arbitrary: fc.constantFrom(
          '{StreamID}',
          '{StartYear}',
          '{EndMillisecond}',
          '{StartHour}',
          '_',
          '-',
          '.',
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.stringMatching(/^[\w-]{41,128}$/),
        (pieces, stream) => {
          const template = pieces.join('');
          fc.pre(template !== '' && fileNameTemplateProblem(template) === undefined);
          for (const attempt of [0, 100]) {
            const key = recordingKey({ ...name, stream, fileNameTemplate: template }, attempt);
            const file = key.slice(`live/${stream}/2026-01-02/`.length);
            expect(key.startsWith(`live/${stream}/2026-01-02/`)).toBe(true);
            expect(file).not.toContain('/');
            expect(file).not.toMatch(/^\./);
            expect(Buffer.byteLength(file, 'utf8')).toBeLessThanOrEqual(255);
          }
        },
      ),
    );
  });
});
