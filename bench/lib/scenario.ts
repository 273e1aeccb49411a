/**
 * One measured run: start a server, connect N publishers (and players), stream S seconds of media in
 * real time, wait until the server has finished what the pushes caused, and read its CPU and memory.
 */
import type { RtmpClient } from '../../src/rtmp/client.js';
import { sleep, waitFor } from '../../test/helpers/process.js';
import type { BenchMedia } from './bench-media.js';
import { HttpFlvPlayer } from './http-flv-player.js';
import { connectPublishers, pacePublishers } from './paced-publishers.js';
import { ResidentPeakSampler, sampleProcessTree, selfCpuSeconds } from './proc-stats.js';

export interface BenchServer {
  readonly name: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface Scenario<S extends BenchServer, A> {
  label: string;
  start(dir: string): Promise<S>;
  pushUrl(server: S, stream: string): string;
  /** A cheap URL the server answers from its event loop; its worst delay tells a stalled server apart. */
  probeUrl(server: S): string;
  /** Live playback URL; players are opened only for scenarios that have one. */
  playerUrl?(server: S, stream: string): string;
  /** After the pushes ended: resolves once the server finished their work (files closed and cataloged). */
  settle(server: S, streams: readonly string[]): Promise<A>;
  /** Pictures that reached each stream's recording, for scenarios judged by their files. */
  recordedFrames?(server: S, artifacts: A, streams: readonly string[]): Promise<number[]>;
  /** Who counted what `recordedFrames` returns; default the recording. */
  countedBy?: 'recording' | 'receiver';
}

export interface RunOptions {
  streams: number;
  seconds: number;
  playersPerStream: number;
  media: BenchMedia;
  /** Pushers send as fast as they can instead of in real time (see PaceOptions.burst). */
  burst?: boolean;
  /**
   * Seconds of a first push, as many streams under other names, closed and settled before anything is
   * measured: the JIT warm-up of a fresh process, which a long-running server pays once. Default none.
   */
  warmUpSeconds?: number;
}

export interface ScenarioResult {
  label: string;
  server: string;
  streams: number;
  seconds: number;
  /** Server CPU from the first media tag until its work was settled. */
  serverCpuSeconds: number;
  /** Parts of serverCpuSeconds spent in the kernel, and on the main (JavaScript) thread. */
  serverSystemShare: number;
  serverMainThreadShare: number;
  cpuPerStreamMinute: number;
  baselineRssBytes: number;
  peakRssBytes: number;
  /** The peak's split (sampled every 250 ms, so it may fall a little short of `peakRssBytes`). */
  peakRssAnonBytes: number;
  peakRssFileBytes: number;
  rssPerStreamBytes: number;
  /** The pushers and players, all in this process. */
  clientCpuSeconds: number;
  videoFramesSent: number;
  /** Counted by the players, or in the recorded files. */
  videoFramesDelivered: number;
  deliveredBy: 'players' | 'recording' | 'receiver' | 'none';
  /** Σ over streams (and players) of frames sent but never delivered. */
  frameLoss: number;
  maxPusherLagMs: number;
  /** Slowest answer to `probeUrl` while the media flowed. */
  maxProbeMs: number;
  failures: string[];
}

export const streamName = (i: number) => `bench${i}`;
const warmUpStreamName = (i: number) => `warmup${i}`;

/**
 * A pusher this far behind its schedule was not read fast enough (by the server, or its own process was
 * starved of CPU: `maxProbeMs` tells which); a real encoder would be dropping frames by then.
 */
export const MAX_REALTIME_LAG_MS = 1000;

export const isLossless = (r: ScenarioResult) => r.frameLoss === 0 && r.failures.length === 0;
export const keptRealTime = (r: ScenarioResult) => r.maxPusherLagMs < MAX_REALTIME_LAG_MS;

export async function runScenario<S extends BenchServer, A>(
  scenario: Scenario<S, A>,
  dir: string,
  options: RunOptions,
): Promise<{ result: ScenarioResult; artifacts: A }> {
  const streams = Array.from({ length: options.streams }, (_, i) => streamName(i));
  const server = await scenario.start(dir);
  let clients: RtmpClient[] = [];
  let players: HttpFlvPlayer[][] = [];
  let residentPeak: ResidentPeakSampler | undefined;
  try {
    const warmUpFailures = options.warmUpSeconds ? await warmUp(scenario, server, options) : [];
    await sleep(1000);
    const baseline = sampleProcessTree(server.pid);
    residentPeak = new ResidentPeakSampler(server.pid);
    clients = await connectPublishers(streams.map((s) => scenario.pushUrl(server, s)));
    const playerUrl = scenario.playerUrl?.bind(scenario);
    if (playerUrl && options.playersPerStream > 0) {
      players = await Promise.all(
        streams.map((s) =>
          Promise.all(
            Array.from({ length: options.playersPerStream }, () => HttpFlvPlayer.open(playerUrl(server, s))),
          ),
        ),
      );
    }
    const cpuBefore = sampleProcessTree(server.pid);
    const selfBefore = selfCpuSeconds();
    const probe = new ResponsivenessProbe(scenario.probeUrl(server));
    const sent = await pacePublishers(clients, options.media, {
      durationMs: options.seconds * 1000,
      staggerMs: options.media.gopMs,
      burst: options.burst,
    });
    const maxProbeMs = await probe.stop();
    const failures = [
      ...warmUpFailures,
      ...sent.flatMap((p, i) => (p.failure ? [`${streams[i]} push: ${p.failure}`] : [])),
    ];
    await waitForPlayers(
      players,
      sent.map((p) => p.videoFramesSent),
    );
    const playerFrames = players.map((perStream) => perStream.map((p) => p.counter.videoFrames));
    for (const [i, perStream] of players.entries()) {
      for (const p of perStream) if (p.failure) failures.push(`${streams[i]} player: ${p.failure}`);
    }
    for (const p of players.flat()) p.close();
    await Promise.all(clients.map((c) => c.close()));
    const artifacts = await scenario.settle(server, streams);
    const cpuAfter = sampleProcessTree(server.pid);
    const split = residentPeak.stop();
    const selfAfter = selfCpuSeconds();

    const recorded = scenario.recordedFrames
      ? await scenario.recordedFrames(server, artifacts, streams)
      : undefined;
    const delivered = recorded ? recorded.map((n) => [n]) : playerFrames;
    const serverCpuSeconds = cpuAfter.cpuSeconds - cpuBefore.cpuSeconds;
    const result: ScenarioResult = {
      label: scenario.label,
      server: server.name,
      streams: options.streams,
      seconds: options.seconds,
      serverCpuSeconds,
      serverSystemShare: (cpuAfter.systemSeconds - cpuBefore.systemSeconds) / serverCpuSeconds,
      serverMainThreadShare: (cpuAfter.mainThreadSeconds - cpuBefore.mainThreadSeconds) / serverCpuSeconds,
      cpuPerStreamMinute: serverCpuSeconds / ((options.streams * options.seconds) / 60),
      baselineRssBytes: baseline.rssBytes,
      peakRssBytes: cpuAfter.peakRssBytes,
      peakRssAnonBytes: split.anonBytes,
      peakRssFileBytes: split.fileBytes,
      rssPerStreamBytes: (cpuAfter.peakRssBytes - baseline.rssBytes) / options.streams,
      clientCpuSeconds: selfAfter - selfBefore,
      videoFramesSent: sum(sent.map((p) => p.videoFramesSent)),
      videoFramesDelivered: sum(delivered.flat()),
      deliveredBy: recorded ? (scenario.countedBy ?? 'recording') : players.length > 0 ? 'players' : 'none',
      frameLoss: sum(
        delivered.flatMap((perStream, i) => perStream.map((n) => Math.max(0, sent[i]!.videoFramesSent - n))),
      ),
      maxPusherLagMs: Math.max(...sent.map((p) => p.maxLagMs)),
      maxProbeMs,
      failures,
    };
    return { result, artifacts };
  } finally {
    residentPeak?.stop();
    for (const p of players.flat()) p.close();
    for (const c of clients) c.destroy();
    await server.stop();
  }
}

/**
 * Pushes the same number of streams under other names for `warmUpSeconds`, then lets the server settle.
 * Returns the pushes' failures, reported with the measured run's.
 */
async function warmUp<S extends BenchServer, A>(
  scenario: Scenario<S, A>,
  server: S,
  options: RunOptions,
): Promise<string[]> {
  const streams = Array.from({ length: options.streams }, (_, i) => warmUpStreamName(i));
  const clients = await connectPublishers(streams.map((s) => scenario.pushUrl(server, s)));
  try {
    const sent = await pacePublishers(clients, options.media, {
      durationMs: options.warmUpSeconds! * 1000,
      staggerMs: options.media.gopMs,
    });
    await Promise.all(clients.map((c) => c.close()));
    await scenario.settle(server, streams);
    return sent.flatMap((p, i) => (p.failure ? [`warm-up ${streams[i]} push: ${p.failure}`] : []));
  } finally {
    for (const c of clients) c.destroy();
  }
}

/** Asks the server a trivial question every half second and keeps the slowest answer time. */
class ResponsivenessProbe {
  private worst = 0;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(url: string) {
    this.loop = (async () => {
      while (this.running) {
        const t0 = performance.now();
        await fetch(url).then(
          (r) => r.arrayBuffer(),
          () => undefined,
        );
        this.worst = Math.max(this.worst, performance.now() - t0);
        await sleep(500);
      }
    })();
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.loop;
    return this.worst;
  }
}

/** Players may still be reading the last second of media when the pushers are done. */
async function waitForPlayers(players: HttpFlvPlayer[][], sent: number[]): Promise<void> {
  const caughtUp = () =>
    players.every((perStream, i) => perStream.every((p) => p.failure || p.counter.videoFrames >= sent[i]!));
  await waitFor(() => caughtUp() || undefined, 15_000, 'players to catch up').catch(() => undefined);
}

const sum = (values: number[]) => values.reduce((total, n) => total + n, 0);
