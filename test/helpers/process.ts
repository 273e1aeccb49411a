import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (or until `timeoutMs`, then SIGKILL) and collects its output. */
export function run(
  command: string,
  args: string[],
  opts: { timeoutMs?: number; input?: Buffer } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (opts.input) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Lavfi test media pushed by the real ffmpeg: H.264 with B-frames + AAC (either can be left out). */
export function ffmpegPushArgs(
  url: string,
  opts: {
    seconds: number;
    size?: string;
    fps?: number;
    gop?: number;
    realtime?: boolean;
    audio?: boolean;
    video?: boolean;
  },
): string[] {
  const fps = opts.fps ?? 30;
  const video = opts.video !== false;
  const audio = opts.audio !== false;
  return [
    '-hide_banner',
    '-v',
    'error',
    ...(opts.realtime === false ? [] : ['-re']),
    ...(video ? ['-f', 'lavfi', '-i', `testsrc2=size=${opts.size ?? '320x240'}:rate=${fps}`] : []),
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'] : []),
    '-t',
    String(opts.seconds),
    ...(video
      ? [
          '-c:v',
          'libx264',
          '-preset',
          'veryfast',
          '-bf',
          '2',
          '-g',
          String(opts.gop ?? fps * 2),
          '-pix_fmt',
          'yuv420p',
        ]
      : []),
    ...(audio ? ['-c:a', 'aac', '-b:a', '64k'] : []),
    '-f',
    'flv',
    url,
  ];
}

export interface ProbedStreams {
  video: number;
  audio: number;
  stderr: string;
}

/** Decodes every frame of a URL or file with ffprobe and counts them per stream type. */
export async function countDecodedFrames(url: string, timeoutMs = 60_000): Promise<ProbedStreams> {
  const r = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_type,nb_read_frames',
      '-of',
      'csv=p=0',
      url,
    ],
    { timeoutMs },
  );
  const counts = { video: 0, audio: 0 };
  for (const line of r.stdout.trim().split('\n')) {
    const [type, n] = line.split(',');
    if (type === 'video' || type === 'audio') counts[type] += Number(n);
  }
  return { ...counts, stderr: r.stderr };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
