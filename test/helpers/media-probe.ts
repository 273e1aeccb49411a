import { run } from './process.js';

export interface ProbeResult {
  formatDuration: number;
  streams: Array<{
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    start_time?: string;
    nb_read_frames?: string;
    duration?: string;
  }>;
}

/** ffprobe's view of a file: container duration and per-stream facts (frames counted by decoding). */
export async function probe(path: string): Promise<ProbeResult> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    path,
  ]);
  if (r.code !== 0) throw new Error(`ffprobe failed on ${path}: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as { format: { duration?: string }; streams: ProbeResult['streams'] };
  return { formatDuration: Number(json.format.duration ?? 'NaN'), streams: json.streams };
}

/** Decodes every frame with ffmpeg; returns its error output ('' when the file is clean). */
export async function decodeErrors(path: string): Promise<string> {
  const r = await run('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return r.code === 0 ? r.stderr : `exit ${r.code}: ${r.stderr}`;
}

/** Start-time difference between the audio and the video stream, in ms. */
export function avStartSkewMs(p: ProbeResult): number {
  const v = p.streams.find((s) => s.codec_type === 'video');
  const a = p.streams.find((s) => s.codec_type === 'audio');
  if (!v || !a) return 0;
  return Math.abs(Number(v.start_time) - Number(a.start_time)) * 1000;
}

/** Byte offsets of the top-level MP4 boxes, to check where moov sits. */
export function topLevelBoxes(buf: Buffer): string[] {
  const types: string[] = [];
  let at = 0;
  while (at + 8 <= buf.length) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    types.push(type);
    if (size < 8) break;
    at += size;
  }
  return types;
}
