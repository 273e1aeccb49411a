/**
 * One long-lived `ffmpeg` per stream that turns keyframes into JPEGs: it reads an FLV of the stream's
 * video sequence header and then only the keyframes we choose, and writes one JPEG per keyframe. A
 * decoder kept running costs a few ms of CPU per picture against ~80 ms for an ffmpeg started per
 * picture (docs/decisions/0011-snapshots.md), and it runs in its own process, off the event loop.
 *
 * ffmpeg holds back what it has read until more arrives (one frame in its pipeline, plus the H.264
 * reorder delay that streams with B-frames declare), so each keyframe is followed by copies of itself
 * that push it through, and a `select` filter keeps every (copies + 1)-th frame, so only the keyframes
 * are scaled and encoded. Decoding the copies is most of a picture's cost, so there are as few as the
 * stream needs (docs/decisions/0019-snapshot-cpu.md): an H.264 stream's SPS is rewritten to declare no
 * reordering — true of a stream of keyframes only — so a B-frame stream needs as few as a Baseline one
 * (docs/decisions/0020-sps-rewrite-for-snapshots.md). Pictures are matched to keyframes by their order, and
 * closing the decoder ends its input, which flushes the last ones out.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { flvFileHeader, flvTag } from '../media/flv-writer.js';
import type { MediaPacket, VideoConfig } from '../media/packet.js';
import { avcFrameWithoutReorder, avcTagWithoutReorder } from './avc-no-reorder.js';
import { type Jpeg, JpegSplitter } from './jpeg-splitter.js';

export interface FrameDecoderOptions {
  /** The ffmpeg command (a name on the PATH, or a path). */
  readonly command: string;
  /** Output size; 0 keeps the source's, one side 0 keeps the aspect ratio. */
  readonly width: number;
  readonly height: number;
  /** Rewrite an H.264 SPS to declare no reordering (default true; false only to measure without). */
  readonly declareNoReorder?: boolean;
}

/** JPEG quality scale of ffmpeg's mjpeg encoder: 2 is best, 31 worst. */
const JPEG_QUALITY = '3';
/**
 * Frames ffmpeg holds back (measured with ffmpeg 5.1, one decoder and one encoder thread): 1 for a stream
 * that declares no reordering — exactly, no margin: each copy is most of a picture's cost, and a decoder
 * that holds more is flushed and replaced by the snapshotter; 3 for x264 with B-frames, whose SPS asks a
 * reorder of 2, plus one as a margin — only for SPSs that cannot be rewritten, and for other codecs.
 */
const PUSH_THROUGH_COPIES = { withoutReorder: 1, withReorder: 4 } as const;
/** H.264 profile_idc of Baseline, which has no B-frames, so no reorder delay. */
const AVC_BASELINE = 66;
/** Timestamp step between the frames we send (the decoder needs them to rise; their size does not matter). */
const FRAME_SPACING_MS = 40;
/** Pictures waiting at most; a keyframe beyond that is skipped (the decoder is behind). */
export const MAX_PICTURES_IN_FLIGHT = 2;
/** How long a closing decoder may take to flush its last pictures. */
const CLOSE_GRACE_MS = 10_000;

interface Waiter {
  resolve(jpeg: Jpeg): void;
  reject(error: Error): void;
}

export class FrameDecoder {
  private child: ChildProcessWithoutNullStreams | undefined;
  private config: VideoConfig | undefined;
  private waiters: Waiter[] = [];
  /** Frames sent to the current process. */
  private sent = 0;
  /** Copies that follow each keyframe into the current process. */
  private copies = 0;
  /** The H.264 sequence header rewritten to declare no reordering, when it could be. */
  private noReorderTag: Buffer | undefined;

  constructor(private readonly options: FrameDecoderOptions) {}

  /** True when no more keyframes should be sent until pictures come out. */
  get busy(): boolean {
    return this.waiters.length >= MAX_PICTURES_IN_FLIGHT;
  }

  /** The JPEG of `keyframe`, decoded with `config` (its sequence header). */
  decode(config: VideoConfig, keyframe: MediaPacket): Promise<Jpeg> {
    if (this.busy) return Promise.reject(new Error('the decoder is behind'));
    if (this.config !== config) this.restart(config);
    const child = this.child!;
    const frame = this.noReorderTag ? avcFrameWithoutReorder(keyframe.tag, config.record) : keyframe.tag;
    return new Promise<Jpeg>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      for (let copy = 0; copy <= this.copies; copy++) {
        for (const part of flvTag(9, this.sent++ * FRAME_SPACING_MS, frame)) child.stdin.write(part);
      }
    });
  }

  /** Ends the input so the pictures still inside come out, then stops the process. */
  close(): void {
    const child = this.child;
    this.child = undefined;
    this.config = undefined;
    if (child === undefined) return;
    const waiters = this.waiters;
    this.waiters = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
    timer.unref();
    child.on('close', () => {
      clearTimeout(timer);
      for (const waiter of waiters.splice(0)) waiter.reject(new Error('the decoder closed first'));
    });
    this.drainInto(child, waiters);
    child.stdin.end();
  }

  private restart(config: VideoConfig): void {
    this.close();
    this.config = config;
    this.sent = 0;
    const rewrite = config.codec === 'avc' && this.options.declareNoReorder !== false;
    this.noReorderTag = rewrite ? avcTagWithoutReorder(config.tag) : undefined;
    this.copies = pushThroughCopies(config, this.noReorderTag !== undefined);
    const child = spawn(this.options.command, decoderArgs(this.options, this.copies), {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    child.stdin.on('error', () => undefined); // a dead decoder shows as its exit
    child.on('error', (error) => this.failCurrent(child, error));
    child.on('close', (code) =>
      this.failCurrent(child, new Error(`ffmpeg exited (${code}): ${stderr.trim()}`)),
    );
    this.drainInto(child, this.waiters);
    child.stdin.write(flvFileHeader({ audio: false, video: true }));
    for (const part of flvTag(9, 0, this.noReorderTag ?? config.tag)) child.stdin.write(part);
  }

  /** Hands each picture `child` writes to the oldest of `waiters` (the list is read when a picture comes). */
  private drainInto(child: ChildProcessWithoutNullStreams, waiters: Waiter[]): void {
    const splitter = new JpegSplitter();
    child.stdout.removeAllListeners('data');
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        for (const jpeg of splitter.push(chunk)) waiters.shift()?.resolve(jpeg);
      } catch (error) {
        child.kill('SIGKILL');
        for (const waiter of waiters.splice(0)) waiter.reject(error as Error);
      }
    });
  }

  /** The running process failed: its pictures are lost, and the next keyframe starts a new one. */
  private failCurrent(child: ChildProcessWithoutNullStreams, error: Error): void {
    if (child !== this.child) return;
    this.child = undefined;
    this.config = undefined;
    child.kill('SIGKILL');
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}

/**
 * How many copies push a keyframe of a stream with `config` out of ffmpeg; `noReorder`: its SPS was
 * rewritten to declare no reordering.
 */
export function pushThroughCopies(config: VideoConfig, noReorder: boolean): number {
  const reorders = !(config.codec === 'avc' && (noReorder || config.profile === AVC_BASELINE));
  return reorders ? PUSH_THROUGH_COPIES.withReorder : PUSH_THROUGH_COPIES.withoutReorder;
}

/**
 * One decoding and one encoding thread (a frame-threaded encoder holds a picture back per thread), no
 * probing delay, low-delay decoding, every (copies + 1)-th frame kept, each JPEG flushed as soon as it
 * is encoded.
 */
export function decoderArgs(
  { width, height }: Pick<FrameDecoderOptions, 'width' | 'height'>,
  copies: number,
): string[] {
  const pictures = `select=not(mod(n\\,${copies + 1}))`;
  const scale =
    width === 0 && height === 0 ? [] : [`scale=${width === 0 ? -2 : width}:${height === 0 ? -2 : height}`];
  return [
    ...['-hide_banner', '-v', 'error', '-threads', '1', '-flags', 'low_delay'],
    ...['-probesize', '32', '-analyzeduration', '0', '-fflags', 'nobuffer', '-f', 'flv', '-i', 'pipe:0'],
    ...['-an', '-vf', [pictures, ...scale].join(','), '-fps_mode', 'passthrough'],
    ...['-threads', '1', '-c:v', 'mjpeg', '-q:v', JPEG_QUALITY],
    ...['-flush_packets', '1', '-f', 'image2pipe', 'pipe:1'],
  ];
}
