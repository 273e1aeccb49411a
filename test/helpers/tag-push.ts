/**
 * Publishes a list of FLV-style tags with our RtmpClient and reports what it sent and how long the
 * server held it back, so a test can compare a player's frame count with the push and see whether
 * the publisher was slowed. Unlike pushFlvFiles it can be stopped at any point and takes any tags (Enhanced RTMP too).
 */
import { readFile } from 'node:fs/promises';
import { type FlvFileTag, readFlvTags } from '../../src/media/flv-file.js';
import { parseAudioTag, parseVideoTag } from '../../src/media/flv-tag.js';
import { RtmpClient, type RtmpClientOptions } from '../../src/rtmp/client.js';

export type Tag = FlvFileTag;

export interface TagPushResult {
  /** How many of the tags went out (all of them unless stopped). */
  sent: number;
  /** Time spent waiting for the server to take more (socket backpressure): how much it held us back. */
  blockedMs: number;
}

export interface TagPush {
  readonly client: RtmpClient;
  /** Ends the push after the tag in flight; `done` then resolves. */
  stop(): void;
  /** Resolves once the tags are out and the client has unpublished and disconnected. */
  readonly done: Promise<TagPushResult>;
  /** Timestamp of the last tag sent so far: how much media the server has been given. */
  readonly sentMediaMs: number;
}

export interface TagPushOptions {
  /** Pace tags by their timestamps, like `ffmpeg -re`; default: as fast as the socket takes them. */
  realtime?: boolean;
  client?: RtmpClientOptions;
  /** Publish at once but hold the media until this settles (e.g. until every player has joined). */
  startAfter?: Promise<unknown>;
  /** Stay published after the last tag until this settles (e.g. until the stream info was checked). */
  endAfter?: Promise<unknown>;
}

/** Connects and publishes (rejecting as `RtmpClient.publish` does), then sends in the background. */
export async function pushTags(
  url: string,
  tags: readonly Tag[],
  opts: TagPushOptions = {},
): Promise<TagPush> {
  const client = await RtmpClient.connect(url, opts.client);
  try {
    await client.publish();
  } catch (error) {
    client.destroy();
    throw error;
  }
  let stopped = false;
  let sentMediaMs = 0;
  let wake: (() => void) | undefined;
  const send = async (): Promise<TagPushResult> => {
    await opts.startAfter;
    const started = Date.now();
    let sent = 0;
    let blockedMs = 0;
    for (const tag of tags) {
      if (opts.realtime) {
        const wait = started + tag.timestamp - Date.now();
        if (wait > 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, wait);
          });
        }
      }
      if (stopped) break;
      const ok =
        tag.type === 9
          ? client.sendVideo(tag.timestamp, tag.body)
          : client.sendAudio(tag.timestamp, tag.body);
      sent++;
      sentMediaMs = tag.timestamp;
      if (!ok) {
        const blockedAt = Date.now();
        await client.drained();
        blockedMs += Date.now() - blockedAt;
      }
    }
    await opts.endAfter;
    await client.close();
    return { sent, blockedMs };
  };
  const done = send();
  // A test that fails before awaiting `done` must not also report the push's end as unhandled.
  done.catch(() => {});
  return {
    client,
    stop() {
      stopped = true;
      wake?.();
    },
    done,
    get sentMediaMs() {
      return sentMediaMs;
    },
  };
}

/** The audio and video tags of an FLV file (script tags left out: the pusher sends media only). */
export async function readMediaTags(path: string): Promise<Tag[]> {
  return [...readFlvTags(await readFile(path))].filter((tag) => tag.type !== 18);
}

/** Coded video frames among `tags`: what a decoding player must count, sequence headers left out. */
export function videoFrameCount(tags: readonly Tag[]): number {
  return tags.filter((tag) => tag.type === 9 && parseVideoTag(tag.body).type === 'frame').length;
}

/** Audio frames among `tags`, the AAC sequence header left out. */
export function audioFrameCount(tags: readonly Tag[]): number {
  return tags.filter((tag) => tag.type === 8 && parseAudioTag(tag.body).type === 'frame').length;
}
