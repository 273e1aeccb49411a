/** The server setups the benchmarks compare. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordFormat } from '../../src/config/schema.js';
import { sleep, waitFor } from '../../test/helpers/process.js';
import type { BenchMedia } from './bench-media.js';
import { LiveTapeServer, type RecordingJson } from './livetape-server.js';
import { NginxRtmpServer } from './nginx-rtmp-server.js';
import { NodeFloorServer, type NodeFloorStartOptions } from './node-floor-server.js';
import { countRecordedVideoFrames } from './recorded-frames.js';
import type { Scenario } from './scenario.js';

export interface LiveTapeOptions {
  /** Where `node --cpu-prof` writes the server's profile; no profiling when unset. */
  profileDir?: string;
  settings?: Record<string, string>;
  /** The checkout to run the server from; this one by default. */
  root?: string;
  /** Extra node flags for the server, e.g. `--max-semi-space-size=4`. */
  nodeFlags?: string[];
}

async function startLiveTape(dir: string, options: LiveTapeOptions): Promise<LiveTapeServer> {
  if (options.profileDir) await mkdir(options.profileDir, { recursive: true });
  return LiveTapeServer.start({
    dataDir: join(dir, 'data'),
    settings: options.settings ?? {},
    root: options.root,
    nodeFlags: [
      ...(options.nodeFlags ?? []),
      ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : []),
    ],
  });
}

/** After the last push: LiveTape has ended every live stream. */
async function waitUntilNoLiveStreams(server: LiveTapeServer): Promise<void> {
  await waitFor(
    async () => ((await server.liveStreamCount()) === 0 ? true : undefined),
    60_000,
    'LiveTape to end its streams',
  );
}

/** Ingest plus live HTTP-FLV playback; frame loss is counted by the players. */
export function liveTapePlayback(options: LiveTapeOptions = {}): Scenario<LiveTapeServer, void> {
  return {
    label: 'LiveTape ingest + HTTP-FLV player',
    start: (dir) => startLiveTape(dir, options),
    pushUrl: (server, stream) => server.rtmpUrl(stream),
    probeUrl: (server) => server.httpUrl('/healthz'),
    playerUrl: (server, stream) => server.liveFlvUrl(stream),
    settle: (server) => waitUntilNoLiveStreams(server),
  };
}

/** Ingest alone: pushes into live streams nobody plays or records. */
export function liveTapeIngest(
  options: LiveTapeOptions & { label?: string } = {},
): Scenario<LiveTapeServer, void> {
  return {
    label: options.label ?? 'LiveTape ingest only',
    start: (dir) => startLiveTape(dir, options),
    pushUrl: (server, stream) => server.rtmpUrl(stream),
    probeUrl: (server) => server.httpUrl('/healthz'),
    settle: (server) => waitUntilNoLiveStreams(server),
  };
}

export interface RecordingScenarioOptions extends LiveTapeOptions {
  /** Default `LiveTape ingest + record <formats>`. */
  label?: string;
  formats: RecordFormat[];
  /** `record_interval` in the push URL; the server's default when unset. */
  intervalSec?: number;
  media: BenchMedia;
  seconds: number;
}

/** Keyframe times of the looping media within the first `durationMs`. */
function keyframeTimes(media: BenchMedia, durationMs: number): number[] {
  const times: number[] = [];
  for (let offset = 0; offset < durationMs; offset += media.periodMs) {
    for (const f of media.frames)
      if (f.keyframe && offset + f.timestamp < durationMs) times.push(offset + f.timestamp);
  }
  return times;
}

/** Files one push of `seconds` makes in a format split by time: a new file at the first keyframe past the interval. */
export function expectedFilesPerStream(
  format: RecordFormat,
  intervalSec: number,
  media: BenchMedia,
  seconds: number,
): number {
  if (format === 'hls') return 1;
  let files = 1;
  let start = 0;
  for (const t of keyframeTimes(media, seconds * 1000)) {
    if (t - start >= intervalSec * 1000) {
      files++;
      start = t;
    }
  }
  return files;
}

/**
 * Ingest plus recording from the push URL (`?record=…`). Settles when every expected file is cataloged,
 * and counts the pictures that reached the FLV files when FLV is recorded.
 */
export function liveTapeRecording(
  options: RecordingScenarioOptions,
): Scenario<LiveTapeServer, RecordingJson[]> {
  const interval = options.intervalSec ?? Number(options.settings?.RECORD_INTERVAL ?? 1800);
  const query = `record=${options.formats.join('|')}${options.intervalSec ? `&record_interval=${options.intervalSec}` : ''}`;
  const perStream = options.formats.reduce(
    (n, f) => n + expectedFilesPerStream(f, interval, options.media, options.seconds),
    0,
  );
  return {
    label: options.label ?? `LiveTape ingest + record ${options.formats.join('+')}`,
    start: (dir) => startLiveTape(dir, options),
    pushUrl: (server, stream) => server.rtmpUrl(stream, query),
    probeUrl: (server) => server.httpUrl('/healthz'),
    async settle(server, streams) {
      await waitUntilNoLiveStreams(server);
      const expected = perStream * streams.length;
      // Once a second, not waitFor's 50 ms: with STORAGE=s3 this waits for uploads, and listing every
      // recording 20 times a second would be counted as the server's upload CPU.
      const deadline = Date.now() + 120_000;
      // Only these pushes' files: a warm-up's are cataloged too (see RunOptions.warmUpSeconds).
      const ofThesePushes = async () =>
        (await server.listRecordings()).filter((r) => streams.includes(r.stream));
      let rows = await ofThesePushes();
      while (rows.length < expected && Date.now() < deadline) {
        await sleep(1000);
        rows = await ofThesePushes();
      }
      return rows; // what is missing is reported by the validation
    },
    recordedFrames: options.formats.includes('flv')
      ? (server, rows, streams) =>
          Promise.all(
            streams.map((s) =>
              countRecordedVideoFrames(
                rows
                  .filter((r) => r.stream === s && r.format === 'flv')
                  .map((r) => join(server.dataDir, 'media', r.storageKey)),
              ),
            ),
          )
      : undefined,
  };
}

/**
 * The Node.js floor (node-floor-main.mjs): the pushes received and discarded (`raw`) or parsed into messages
 * and dropped (`parse`) by a bare Node reading as LiveTape reads; its receiver counts the video messages.
 */
export function nodeFloor(
  options: NodeFloorStartOptions & { label?: string; media: BenchMedia },
): Scenario<NodeFloorServer, void> {
  // The receiver counts video messages; a push's first ones are its sequence headers, not pictures.
  const sequenceHeaders = options.media.headers.filter((h) => h.kind === 'video').length;
  return {
    label: options.label ?? `Node.js floor, ${options.mode}`,
    start: () => NodeFloorServer.start(options),
    pushUrl: (server, stream) => server.rtmpUrl(stream),
    probeUrl: (server) => server.statsUrl,
    settle: async (server, streams) => {
      await server.waitUntilClosed(streams);
    },
    recordedFrames: async (server, _artifacts, streams) => {
      const stats = await server.stats();
      return streams.map((s) => Math.max(0, (stats[s]?.videoMessages ?? 0) - sequenceHeaders));
    },
    countedBy: 'receiver',
  };
}

/** nginx-rtmp live only (`record off`): the reference for ingest alone; nothing counts its frames. */
export function nginxIngest(): Scenario<NginxRtmpServer, void> {
  return {
    label: 'nginx-rtmp ingest only',
    start: (dir) => NginxRtmpServer.start(dir, { record: false }),
    pushUrl: (server, stream) => server.rtmpUrl(stream),
    probeUrl: (server) => server.statUrl,
    settle: (server) => server.waitUntilIdle(),
  };
}

/** nginx-rtmp live + `record all`: the reference figure; frame loss is counted in its FLV files. */
export function nginxRecording(): Scenario<NginxRtmpServer, void> {
  return {
    label: 'nginx-rtmp ingest + record flv',
    start: (dir) => NginxRtmpServer.start(dir),
    pushUrl: (server, stream) => server.rtmpUrl(stream),
    probeUrl: (server) => server.statUrl,
    settle: (server) => server.waitUntilIdle(),
    recordedFrames: (server, _artifacts, streams) =>
      Promise.all(streams.map((s) => countRecordedVideoFrames([server.recordedFile(s)]))),
  };
}
