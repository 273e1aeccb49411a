/**
 * The console's pure helpers: how numbers and times are written, the Recordings filters → API query
 * (a local day range, `to` inclusive), the callback settings patch, sparkline geometry, and where a
 * login may lead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CallbackSettingsView } from '../web/src/console/api-types.js';
import { sparklinePoints } from '../web/src/console/live/sparkline-points.js';
import { afterLogin, HOME } from '../web/src/console/paths.js';
import { filtersFrom, recordingQuery } from '../web/src/console/recordings/filters.js';
import { callbackPatch, draftOf } from '../web/src/console/settings/callback-patch.js';
import {
  formatBitrate,
  formatBytes,
  formatClock,
  formatDateTime,
  formatDuration,
  formatResolution,
  formatUptime,
  localDayStart,
} from '../web/src/lib/format.js';

describe('format', () => {
  it('writes durations as m:ss or h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(999)).toBe('0:00');
    expect(formatDuration(65_000)).toBe('1:05');
    expect(formatDuration(3_725_400)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('0:00');
    expect(formatDuration(-5000)).toBe('0:00');
  });

  it('writes clip marks to a tenth of a second', () => {
    expect(formatClock(5_500)).toBe('0:05.5');
    expect(formatClock(3_725_049)).toBe('1:02:05.0');
    expect(formatClock(Number.NaN)).toBe('0:00.0');
  });

  it('durations read back as the whole seconds they were given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 3_600_000 }), (ms) => {
        const parts = formatDuration(ms).split(':').map(Number);
        const seconds = parts.reduce((total, part) => total * 60 + part, 0);
        expect(seconds).toBe(Math.floor(ms / 1000));
      }),
    );
  });

  it('writes sizes in decimal units with two or three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1 KB');
    expect(formatBytes(512_300)).toBe('512 KB');
    expect(formatBytes(1_440_000)).toBe('1.4 MB');
    expect(formatBytes(23_000_000_000)).toBe('23 GB');
    expect(formatBytes(-1)).toBe('—');
  });

  it('writes bitrates in kbit/s below a megabit', () => {
    expect(formatBitrate(0)).toBe('0 kbit/s');
    expect(formatBitrate(849_600)).toBe('850 kbit/s');
    expect(formatBitrate(2_500_000)).toBe('2.5 Mbit/s');
  });

  it('writes uptimes with their two largest units', () => {
    expect(formatUptime(12)).toBe('12s');
    expect(formatUptime(249)).toBe('4m 09s');
    expect(formatUptime(3900)).toBe('1h 05m');
    expect(formatUptime(2 * 86_400 + 3 * 3600 + 59)).toBe('2d 3h');
  });

  it('writes times with the year only when it is not this year', () => {
    const now = new Date(2025, 5, 20);
    const thisYear = formatDateTime(new Date(2025, 5, 15, 12, 30, 5).toISOString(), now);
    const lastYear = formatDateTime(new Date(2024, 5, 15, 12, 30, 5).toISOString(), now);
    expect(thisYear).toContain('30:05');
    expect(thisYear).not.toContain('2025');
    expect(lastYear).toContain('2024');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime('not a time')).toBe('not a time');
  });

  it('writes a resolution only when there is video', () => {
    expect(formatResolution(1280, 720)).toBe('1280×720');
    expect(formatResolution(null, null)).toBe('—');
  });
});

describe('recording filters', () => {
  it('turns a date input into local midnights, the end day inclusive', () => {
    expect(localDayStart('2025-06-15')).toBe(new Date(2025, 5, 15).getTime());
    expect(localDayStart('2025-01-31', 1)).toBe(new Date(2025, 1, 1).getTime());
    expect(localDayStart('')).toBeUndefined();
    expect(localDayStart('15/06/2025')).toBeUndefined();
    const query = recordingQuery(
      filtersFrom(new URLSearchParams('stream=%20cam1%20&format=mp4&from=2025-06-15&to=2025-06-15')),
    );
    expect(query).toEqual({
      stream: 'cam1',
      format: 'mp4',
      from: new Date(2025, 5, 15).getTime(),
      to: new Date(2025, 5, 16).getTime(),
    });
  });

  it('asks for failed or all files only when the status filter says so', () => {
    expect(recordingQuery(filtersFrom(new URLSearchParams('status=failed'))).status).toBe('failed');
    expect(recordingQuery(filtersFrom(new URLSearchParams('status=all'))).status).toBe('all');
    expect(recordingQuery(filtersFrom(new URLSearchParams('status=done'))).status).toBeUndefined();
  });

  it('leaves out what is not set and ignores an unknown format', () => {
    expect(recordingQuery(filtersFrom(new URLSearchParams('format=mkv')))).toEqual({
      stream: undefined,
      format: undefined,
      from: undefined,
      to: undefined,
    });
  });
});

describe('callback settings patch', () => {
  const loaded: CallbackSettingsView = {
    urls: { all: 'http://backend/cb', push: '', unpush: '', record: '', snapshot: '', recordStatus: '' },
    strict: false,
    timeoutSec: 10,
    retry: { intervalSec: 5, count: 3, backoff: 'exponential' },
    keySource: 'CALLBACK_KEY',
    overridden: [],
  };

  it('is empty when nothing changed', () => {
    expect(callbackPatch(loaded, draftOf(loaded))).toEqual({});
  });

  it('carries only the changed fields', () => {
    const draft = draftOf(loaded);
    draft.urls.record = ' http://backend/files ';
    draft.retryCount = '0';
    draft.key = 'new-key';
    expect(callbackPatch(loaded, draft)).toEqual({
      urls: { record: 'http://backend/files' },
      key: 'new-key',
      retry: { count: 0 },
    });
  });
});

describe('sparkline', () => {
  it('spans the box, zero at the bottom and the highest sample at 4/5 of the height', () => {
    expect(sparklinePoints([5], 120, 32)).toBe('');
    expect(sparklinePoints([0, 1000, 500], 120, 30)).toBe('0.0,30.0 60.0,6.0 120.0,18.0');
  });
});

describe('after login', () => {
  it('goes back to the console page asked for, and nowhere else', () => {
    expect(afterLogin('/console/recordings?stream=a')).toBe('/console/recordings?stream=a');
    expect(afterLogin(null)).toBe(HOME);
    expect(afterLogin('//evil.example/console/x')).toBe(HOME);
    expect(afterLogin('https://evil.example/console/x')).toBe(HOME);
    expect(afterLogin('/console/login?next=/console/push')).toBe(HOME);
  });
});
