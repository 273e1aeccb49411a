/**
 * `npm run bench:ts-mux`: CPU of the MPEG-TS segmenter alone (what an HLS recording spends per stream on
 * muxing, without the network or the disk), in CPU-s per stream-minute of the benchmark media (720p30,
 * ~2.67 Mbps with AAC), so it can be set next to `bench:compare`'s figures. Also what the live DVR does
 * instead (decision 0032): at ingest, cutting and writing media records (per stream-minute, in memory);
 * when a player asks, muxing one segment from its records (CPU-ms per 4 s segment).
 */
import { parseArgs } from 'node:util';
import { HlsSegmenter } from '../src/container/hls/segmenter.js';
import { HlsPackager } from '../src/live/hls-packager.js';
import type { LiveStream } from '../src/live/live-stream.js';
import type { AudioConfig, MediaPacket, VideoConfig } from '../src/media/packet.js';
import { MediaPacketizer } from '../src/media/packetizer.js';
import { loadBenchMedia } from './lib/bench-media.js';
import { positiveInt, runMain } from './lib/cli.js';
import { median } from './lib/report.js';

const USAGE = `npm run bench:ts-mux -- [--minutes M] [--repeat R]
  --minutes M   media minutes muxed per round (default 20)
  --repeat R    rounds; the median is printed (default 5)`;

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string' },
    repeat: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

interface Packets {
  video: VideoConfig;
  audio: AudioConfig;
  packets: MediaPacket[];
  periodMs: number;
}

/** The media's frames as the RTMP ingest hands them to the live stream. */
async function packetize(): Promise<Packets> {
  const media = await loadBenchMedia();
  const packetizer = new MediaPacketizer();
  const configs: { video?: VideoConfig; audio?: AudioConfig } = {};
  const packets: MediaPacket[] = [];
  for (const tag of [...media.headers, ...media.frames]) {
    const out =
      tag.kind === 'video'
        ? packetizer.video(tag.timestamp, tag.body)
        : packetizer.audio(tag.timestamp, tag.body);
    if (out === undefined) continue;
    if ('type' in out) Object.assign(configs, { [out.config.kind]: out.config });
    else packets.push(out);
  }
  if (!configs.video || !configs.audio) throw new Error('the benchmark media lacks a video or audio config');
  return { video: configs.video, audio: configs.audio, packets, periodMs: media.periodMs };
}

/** Muxes `minutes` of media (the loop repeated, timestamps continued); returns CPU-s and TS bytes. */
function muxRound(media: Packets, minutes: number): { cpuSeconds: number; bytes: number } {
  const segmenter = new HlsSegmenter({
    targetDurationMs: 4000,
    tracks: { video: media.video, audio: media.audio },
  });
  const loops = Math.ceil((minutes * 60_000) / media.periodMs);
  let bytes = 0;
  const start = process.cpuUsage();
  for (let loop = 0; loop < loops; loop++) {
    const shift = loop * media.periodMs;
    for (const p of media.packets) {
      bytes += segmenter.push({ ...p, dts: p.dts + shift, pts: p.pts + shift }).bytes.length;
    }
  }
  segmenter.end();
  const used = process.cpuUsage(start);
  return { cpuSeconds: (used.user + used.system) / 1e6, bytes };
}

/** The live packager over `minutes` of media, without a spill: cuts and records only. */
function recordRound(media: Packets, minutes: number): { cpuSeconds: number; packager: HlsPackager } {
  const packager = new HlsPackager({} as LiveStream, {
    targetDurationMs: 4000,
    windowSize: 5,
    dvrWindowMs: 0,
  });
  packager.config(media.video);
  packager.config(media.audio);
  const loops = Math.ceil((minutes * 60_000) / media.periodMs);
  const start = process.cpuUsage();
  for (let loop = 0; loop < loops; loop++) {
    const shift = loop * media.periodMs;
    for (const p of media.packets) packager.packet({ ...p, dts: p.dts + shift, pts: p.pts + shift });
  }
  packager.end();
  const used = process.cpuUsage(start);
  return { cpuSeconds: (used.user + used.system) / 1e6, packager };
}

/** CPU-ms to mux one kept segment on demand (each of the packager's segments, `times` times, uncached). */
async function onDemandMs(packager: HlsPackager, times: number): Promise<{ ms: number; bytes: number }> {
  const seqs = Array.from({ length: packager.stats.segments }, (_, i) => packager.newestSeq - i);
  let bytes = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < times; i++) {
    for (const seq of seqs) {
      packager.releaseMuxed();
      bytes += (await packager.segment(seq))?.length ?? 0;
    }
  }
  const used = process.cpuUsage(start);
  return {
    ms: (used.user + used.system) / 1000 / (times * seqs.length),
    bytes: bytes / (times * seqs.length),
  };
}

runMain(async () => {
  if (args.help) return console.log(USAGE);
  const minutes = positiveInt('minutes', args.minutes, 20);
  const repeat = positiveInt('repeat', args.repeat, 5);
  const media = await packetize();
  muxRound(media, 1); // warm-up: let the JIT optimize the hot path first
  const rounds = Array.from({ length: repeat }, () => muxRound(media, minutes));
  const perMinute = rounds.map((r) => r.cpuSeconds / minutes);
  const mbps = (rounds[0]!.bytes * 8) / (minutes * 60) / 1e6;
  console.log(
    `TS mux: ${median(perMinute).toFixed(4)} CPU-s per stream-minute (median of ${repeat}; rounds ${perMinute
      .map((s) => s.toFixed(4))
      .join(', ')}), ${mbps.toFixed(2)} Mbps of TS out`,
  );

  recordRound(media, 1);
  const recorded = Array.from({ length: repeat }, () => recordRound(media, minutes));
  const recordPerMinute = recorded.map((r) => r.cpuSeconds / minutes);
  console.log(
    `live DVR at ingest (cut + media records, in memory): ${median(recordPerMinute).toFixed(4)} CPU-s per stream-minute (rounds ${recordPerMinute
      .map((s) => s.toFixed(4))
      .join(', ')})`,
  );
  const packager = recorded[0]!.packager;
  await onDemandMs(packager, 5);
  const served = [];
  for (let r = 0; r < repeat; r++) served.push(await onDemandMs(packager, 20));
  console.log(
    `live DVR on demand: ${median(served.map((s) => s.ms)).toFixed(2)} CPU-ms to mux one 4 s segment (${(
      served[0]!.bytes / 1e6
    ).toFixed(2)} MB of TS; rounds ${served.map((s) => s.ms.toFixed(2)).join(', ')})`,
  );
});
