import { run } from './process.js';

export interface Decoded {
  /** ffprobe's error output: '' when every frame decoded cleanly. */
  stderr: string;
  durationSec: number;
  video: number;
  audio: number;
}

/**
 * Decodes every frame of a file or URL with ffprobe and counts the frames of the top-level streams
 * (an HLS input repeats its streams under a program, which must not count twice). No muxer is involved,
 * so timestamps restarting at an HLS discontinuity are not mistaken for an error.
 */
export async function decodeAll(url: string): Promise<Decoded> {
  const r = await run('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    url,
  ]);
  const out = JSON.parse(r.stdout || '{}') as {
    format?: { duration?: string };
    streams?: Array<{ codec_type: string; nb_read_frames?: string }>;
  };
  const frames = (type: string) =>
    (out.streams ?? [])
      .filter((s) => s.codec_type === type)
      .reduce((n, s) => n + Number(s.nb_read_frames ?? 0), 0);
  return {
    stderr: r.stderr,
    durationSec: Number(out.format?.duration ?? Number.NaN),
    video: frames('video'),
    audio: frames('audio'),
  };
}
