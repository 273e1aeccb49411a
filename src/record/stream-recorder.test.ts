/**
 * The recorder over an in-memory StorageTarget: files split, finalized and reported through the
 * file events, and storage backpressure, without a socket, a disk or a sleep.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { flvToPackets, makeTestFlv } from '../../test/helpers/flv-packets.js';
import { classicMovieDurationMs, readMovie } from '../container/mp4/movie-read.js';
import { LiveStream } from '../live/live-stream.js';
import { createLogger } from '../log.js';
import { readFlvTags } from '../media/flv-file.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../media/packet.js';
import { MemoryTarget } from '../storage/memory-target.js';
import type { FileClosedEvent, FileOpenedEvent } from './events.js';
import { HlsResumeRegistry } from './hls-series.js';
import { planRecording } from './plan.js';
import { PAUSE_REPORT_AFTER_MS, type RecorderDeps, StreamRecorder } from './stream-recorder.js';
import { GlobalBacklog } from './write-backlog.js';

const STARTED_AT = Date.parse('2026-03-04T05:06:07Z');

type Media = { packets: MediaPacket[]; videoConfig?: VideoConfig; audioConfig?: AudioConfig };
let media: Media;
/** Two seconds at another picture size: a new video configuration mid-push. */
let resized: Media;
beforeAll(async () => {
  media = flvToPackets(await readFile(await makeTestFlv({ seconds: 6, gop: 30 })));
  resized = flvToPackets(await readFile(await makeTestFlv({ seconds: 2, gop: 30, width: 640, height: 360 })));
});

type StatusHooks = Pick<RecorderDeps, 'onFormatStarted' | 'onStorageFailure' | 'onPauseReport'>;

function setUp(
  query: string,
  marks = { high: 1 << 30, low: 1 << 29 },
  hooks: StatusHooks = {},
  given?: MemoryTarget,
) {
  let clock = STARTED_AT;
  const target = given ?? new MemoryTarget(() => clock);
  const opened: FileOpenedEvent[] = [];
  const closed: FileClosedEvent[] = [];
  let ids = 0;
  const stream = new LiveStream(
    {
      sessionId: 'session-1',
      app: 'live',
      stream: 'cam',
      streamParam: query,
      remoteAddress: '127.0.0.1',
      protocol: 'rtmp',
      startedAt: STARTED_AT,
    },
    { enabled: false, maxBytes: 0 },
  );
  const plan = planRecording(new URLSearchParams(query), {
    formats: [],
    intervalSec: 1800,
    intervalMinSec: 1,
    intervalMaxSec: 86400,
  });
  const recorder = new StreamRecorder(stream, plan, {
    target,
    backlog: new GlobalBacklog({ high: 1 << 30, low: 1 << 29 }),
    backlogMarks: marks,
    events: {
      fileOpened: async (e) => {
        opened.push(e);
      },
      fileClosed: async (e) => {
        closed.push(e);
      },
    },
    newId: () => String(++ids).padStart(19, '0'),
    log: createLogger('silent'),
    fileOptions: {
      syncIntervalMs: 1000,
      coalesceBytes: 64 * 1024,
      coalesceMs: 1e9,
      stallTimeoutMs: 1e9,
      now: () => clock,
    },
    hlsSegmentDurationMs: 2000,
    hlsResume: { registry: new HlsResumeRegistry(), windowMs: 0 },
    ...hooks,
  });
  stream.attach(recorder);
  /** Pushes `m` after everything pushed so far, as one continuing stream; the clock follows media time. */
  let mediaEnd = 0;
  const push = (m: Media = media) => {
    if (m.videoConfig) stream.setConfig(m.videoConfig);
    if (m.audioConfig) stream.setConfig(m.audioConfig);
    const shift = mediaEnd - m.packets[0]!.dts;
    for (const p of m.packets) {
      clock = STARTED_AT + p.dts + shift;
      stream.push(shift === 0 ? p : { ...p, dts: p.dts + shift, pts: p.pts + shift });
    }
    mediaEnd = Math.max(...m.packets.map((p) => p.dts)) + shift + 40;
  };
  return { target, opened, closed, stream, recorder, push };
}

const videoFrames = () => media.packets.filter((p) => p.kind === 'video').length;

describe('StreamRecorder over a memory target', () => {
  it('splits FLV by interval at keyframes, reports every file opened and closed, and loses no frame', async () => {
    const { target, opened, closed, stream, recorder, push } = setUp('record=flv&record_interval=2');
    push();
    stream.end('test over');
    await recorder.finished;
    expect(opened.map((e) => e.storageKey)).toEqual(target.keys());
    expect(opened[0]).toMatchObject({ app: 'live', stream: 'cam', format: 'flv', sessionId: 'session-1' });
    expect(opened[0]!.storageKey).toMatch(/^live\/cam\/2026-03-04\/cam_20260304-0506\d\d\.flv$/);
    expect(closed.map((e) => e.kept && e.reason)).toEqual(['interval', 'interval', 'unpublish']);
    let frames = 0;
    for (const [i, key] of target.keys().entries()) {
      const event = closed[i]!;
      expect(event.kept && event.sizeBytes).toBe(target.bytes(key).length);
      frames += [...readFlvTags(target.bytes(key))].filter((t) => t.type === 9 && t.body[1] === 1).length;
    }
    expect(frames).toBe(videoFrames());
  });

  it('ends an HLS recording with a VOD playlist whose segments hold the whole push', async () => {
    const { target, closed, stream, recorder, push } = setUp('record=hls');
    push();
    stream.end('test over');
    await recorder.finished;
    const playlistKey = target.keys().find((k) => k.endsWith('/index.m3u8'))!;
    const playlist = target.bytes(playlistKey).toString();
    expect(playlist).toContain('#EXT-X-ENDLIST');
    expect(target.keys().filter((k) => k.endsWith('.ts'))).toHaveLength(3);
    expect(target.keys().some((k) => k.endsWith('/.reserve'))).toBe(false);
    expect(closed).toHaveLength(1);
    const event = closed[0]!;
    expect(event.kept && event.durationMs).toBeGreaterThanOrEqual(5900);
  });

  it('pauses the publisher while storage holds the bytes back, and lets it go once they are written', async () => {
    const { target, stream, recorder, push } = setUp('record=flv', { high: 100_000, low: 10_000 });
    target.stall();
    push();
    await Promise.resolve();
    expect(stream.isIngestPaused).toBe(true);
    expect(stream.ingestPauses.count).toBe(1);
    target.release();
    stream.end('test over');
    await recorder.finished;
    expect(stream.isIngestPaused).toBe(false);
  });

  it('starts a new file when the video configuration changes, and the new one says so', async () => {
    const { target, opened, closed, stream, recorder, push } = setUp('record=flv');
    push();
    push(resized);
    stream.end('test over');
    await recorder.finished;
    expect(closed.map((e) => e.kept && e.reason)).toEqual(['codec_change', 'unpublish']);
    expect(opened.map((e) => [e.width, e.height])).toEqual([
      [320, 240],
      [640, 360],
    ]);
    const frames = target
      .keys()
      .map(
        (key) => [...readFlvTags(target.bytes(key))].filter((t) => t.type === 9 && t.body[1] === 1).length,
      );
    expect(frames).toEqual([videoFrames(), resized.packets.filter((p) => p.kind === 'video').length]);
  });

  it('finalizes every MP4 of an interval split to fast start, with every frame and its real duration', async () => {
    const { target, closed, stream, recorder, push } = setUp('record=mp4&record_interval=2');
    push();
    stream.end('test over');
    await recorder.finished;
    expect(closed.map((e) => e.kept && e.reason)).toEqual(['interval', 'interval', 'unpublish']);
    let frames = 0;
    for (const [i, key] of target.keys().entries()) {
      const bytes = target.bytes(key);
      const read = async (offset: number, length: number) => bytes.subarray(offset, offset + length);
      const event = closed[i]!;
      expect(event.kept && event.sizeBytes).toBe(bytes.length);
      expect(event.kept && event.durationMs).toBe(await classicMovieDurationMs(read, bytes.length));
      expect(event.kept && event.durationMs).toBeGreaterThanOrEqual(1900);
      const movie = await readMovie(read, bytes.length);
      frames += movie.tracks.find((t) => t.codec === 'avc1')!.samples.count;
    }
    expect(frames).toBe(videoFrames());
    expect(target.keys().some((k) => k.endsWith('.faststart-partial'))).toBe(false);
  });

  it.each([
    ['flv', /\.flv$/],
    ['mp4', /\.mp4$/],
  ])(
    'repairs a %s file whose storage failed mid-file and catalogs it as storage_error',
    async (format, key) => {
      const { target, closed, stream, recorder, push } = setUp(`record=${format}`);
      target.fail({ kind: 'append', key, code: 'EIO', afterBytes: 150_000 });
      push();
      stream.end('test over');
      await recorder.finished;
      expect(closed).toHaveLength(1);
      const event = closed[0]!;
      expect(event.kept && event.reason).toBe('storage_error');
      const file = target.keys()[0]!;
      const bytes = target.bytes(file);
      expect(event.kept && event.sizeBytes).toBe(bytes.length);
      expect(event.kept && event.durationMs).toBeGreaterThan(0);
      expect(event.kept && event.durationMs).toBeLessThan(5000);
      if (format === 'flv') {
        expect(() => [...readFlvTags(bytes)]).not.toThrow();
      } else {
        const read = async (offset: number, length: number) => bytes.subarray(offset, offset + length);
        expect(await classicMovieDurationMs(read, bytes.length)).toBe(event.kept && event.durationMs);
      }
    },
  );
});

describe('StreamRecorder status reports (event 332)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function statusLog() {
    const log: string[] = [];
    const hooks: StatusHooks = {
      onFormatStarted: (format) => log.push(`started ${format}`),
      onStorageFailure: (format, _error, beforeFirstFile) =>
        log.push(`${beforeFirstFile ? 'start_failed' : 'error'} ${format}`),
      onPauseReport: (paused) => log.push(paused ? 'paused' : 'resumed'),
    };
    return { log, hooks };
  }

  it('a format whose first file cannot be created has failed to start; the others start', async () => {
    const target = new MemoryTarget(() => STARTED_AT);
    target.fail({ kind: 'create', key: /\.flv$/, code: 'EIO' });
    const { log, hooks } = statusLog();
    const { stream, recorder, push } = setUp('record=flv|mp4', undefined, hooks, target);
    push();
    stream.end('test over');
    await recorder.finished;
    expect(log.sort()).toEqual(['start_failed flv', 'started mp4']);
  });

  it('a storage failure after the first file opened is an error, not a failed start', async () => {
    const target = new MemoryTarget(() => STARTED_AT);
    target.fail({ kind: 'append', key: /\.flv$/, code: 'EIO' });
    const { log, hooks } = statusLog();
    const { stream, recorder, push } = setUp('record=flv', undefined, hooks, target);
    push();
    stream.end('test over');
    await recorder.finished;
    expect(log).toEqual(['started flv', 'error flv']);
  });

  it(`reports a pause only after ${PAUSE_REPORT_AFTER_MS} ms, and then its end`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { log, hooks } = statusLog();
    const { target, stream, recorder, push } = setUp('record=flv', { high: 100_000, low: 10_000 }, hooks);
    target.stall();
    push();
    await Promise.resolve();
    expect(stream.isIngestPaused).toBe(true);
    // Lets the file open (setImmediate is not faked); vi.waitUntil would advance the faked clock.
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['started flv']);
    vi.advanceTimersByTime(PAUSE_REPORT_AFTER_MS - 1);
    expect(log).not.toContain('paused');
    vi.advanceTimersByTime(1);
    expect(log).toContain('paused');
    target.release();
    stream.end('test over');
    await recorder.finished;
    expect(log).toEqual(['started flv', 'paused', 'resumed']);
  });

  it('a pause shorter than the debounce is not reported at all', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { log, hooks } = statusLog();
    const { target, stream, recorder, push } = setUp('record=flv', { high: 100_000, low: 10_000 }, hooks);
    target.stall();
    push();
    await Promise.resolve();
    expect(stream.isIngestPaused).toBe(true);
    vi.advanceTimersByTime(PAUSE_REPORT_AFTER_MS / 2);
    target.release();
    while (stream.isIngestPaused) await new Promise((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(PAUSE_REPORT_AFTER_MS * 2);
    stream.end('test over');
    await recorder.finished;
    expect(log).toEqual(['started flv']);
  });
});
