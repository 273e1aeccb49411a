/**
 * `npm run bench:ts-mux`: CPU of the MPEG-TS segmenter alone (what the live DVR window and an HLS
 * recording spend per stream on muxing, without the network or the disk), in CPU-s per stream-minute
 * of the benchmark media (720p30, ~2.67 Mbps with AAC), so it can be set next to `bench:compare`'s figures.
 */
import { parseArgs } from 'node:util';
import { HlsSegmenter } from '../src/container/hls/segmenter.js';
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
});
