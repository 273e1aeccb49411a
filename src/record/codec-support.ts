import type { AudioConfig, VideoConfig } from '../media/packet.js';
import type { FileTracks } from './file-splitter.js';
import type { RecordFormat } from './plan.js';

/** Which codecs each recording format can carry; FLV takes the publisher's tags verbatim, so anything. */
const SUPPORTED: Record<RecordFormat, { video: readonly string[]; audio: readonly string[] }> = {
  flv: { video: ['avc', 'hevc', 'av1', 'vp9'], audio: ['aac', 'mp3', 'other'] },
  mp4: { video: ['avc', 'hevc', 'av1', 'vp9'], audio: ['aac', 'mp3'] },
  hls: { video: ['avc', 'hevc'], audio: ['aac', 'mp3'] },
  aac: { video: [], audio: ['aac'] },
};

/**
 * The tracks a format can record, and a note for each it cannot (e.g. AV1 in MPEG-TS, Speex in MP4):
 * such a track is left out of that format's files rather than failing the recording.
 */
export function recordableTracks(
  format: RecordFormat,
  tracks: FileTracks,
): { tracks: FileTracks; dropped: string[] } {
  const out: FileTracks = {};
  const dropped: string[] = [];
  const check = <C extends VideoConfig | AudioConfig>(config: C | undefined): C | undefined => {
    if (!config) return undefined;
    if (SUPPORTED[format][config.kind].includes(config.codec)) return config;
    dropped.push(
      `${format} cannot store ${config.kind} codec ${config.codecString || config.codec}; that track is left out`,
    );
    return undefined;
  };
  const video = check(tracks.video);
  const audio = check(tracks.audio);
  if (video) out.video = video;
  if (audio) out.audio = audio;
  return { tracks: out, dropped };
}
