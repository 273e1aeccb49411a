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

/** The MD5 column of ffmpeg's framemd5 output, one entry per frame or packet. */
async function framemd5(args: string[]): Promise<string[]> {
  const r = await run('ffmpeg', ['-v', 'error', ...args, '-f', 'framemd5', '-'], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`framemd5 failed (${args.join(' ')}): ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',')[5]!.trim()); // stream, dts, pts, duration, size, hash[, side data]
}

/** MD5 of every decoded video frame of a file, in presentation order; from `fromSec` on when given (a seek). */
export function videoFrameHashes(path: string, fromSec?: number): Promise<string[]> {
  const seek = fromSec === undefined ? [] : ['-ss', String(fromSec)];
  return framemd5([...seek, '-i', path, '-map', '0:v:0']);
}

/**
 * MD5 of every compressed audio packet (ADTS headers stripped, so MPEG-TS and FLV/MP4 compare equal).
 * Packets, not decoded samples: AAC decoding of a file's first frame depends on the frame before it.
 */
export function audioPacketHashes(path: string): Promise<string[]> {
  return framemd5(['-i', path, '-map', '0:a:0', '-c', 'copy', '-bsf:a', 'aac_adtstoasc']);
}
