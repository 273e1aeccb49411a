import { formatTxTime, signTxSecret } from '../auth/tx-secret.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Config } from '../config/schema.js';

/** The query that signs a play URL for one stream name: `txSecret=…&txTime=…` (spec §1.2). */
export type PlayUrlSigner = (streamName: string) => string;

/** How long URLs handed out by the APIs and callbacks stay playable. */
export const DEFAULT_PLAY_URL_TTL_SEC = 24 * 60 * 60;

/**
 * Signs with the primary play key, like a push URL: `txSecret = md5(key + stream + txTime)`, txTime the
 * hex expiry. Undefined when no play key is set (playback is open, URLs stay unsigned).
 */
export function playUrlSigner(
  playKeys: readonly string[],
  ttlSec = DEFAULT_PLAY_URL_TTL_SEC,
  nowMs: () => number = Date.now,
): PlayUrlSigner | undefined {
  const key = playKeys[0];
  if (key === undefined) return undefined;
  return (streamName) => {
    const txTime = formatTxTime(Math.floor(nowMs() / 1000) + ttlSec);
    return `txSecret=${signTxSecret(key, streamName, txTime)}&txTime=${txTime}`;
  };
}

/** `/vod/` and the storage key, each path segment percent-encoded. */
export function vodPath(storageKey: string): string {
  return `/vod/${storageKey.split('/').map(encodeURIComponent).join('/')}`;
}

/** Config that decides whether handed-out file URLs point at the bucket (STORAGE=s3 with S3_PUBLIC_URL). */
export type BucketUrlConfig = Partial<Pick<Config, 'storage' | 's3PublicUrl' | 's3Prefix'>>;

/**
 * A recording's object as viewers reach the bucket (S3_PUBLIC_URL: a CDN or the bucket's public URL), or
 * undefined when URLs are LiveTape's own. Unsigned: the CDN or the bucket policy decides who may read.
 */
export function bucketUrl(config: BucketUrlConfig, storageKey: string): string | undefined {
  if (config.storage !== 's3' || !config.s3PublicUrl) return undefined;
  const objectKey = `${config.s3Prefix ?? ''}${storageKey}`;
  return `${config.s3PublicUrl}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * The URL a recording is played from (`video_url` in callbacks and file lists): the public base, then
 * `/vod/` and the storage key. HLS recordings point at their playlist. With a signer the URL carries
 * `txSecret`/`txTime` for the recording's stream name.
 */
export function vodUrl(
  publicBaseUrl: string,
  row: Pick<RecordingRow, 'storageKey' | 'stream'>,
  sign?: PlayUrlSigner,
): string {
  return withSignature(`${publicBaseUrl}${vodPath(row.storageKey)}`, row.stream, sign);
}

/** `/snapshots/` and the storage key of a live snapshot (a JPEG), each segment percent-encoded. */
export function snapshotPath(storageKey: string): string {
  return `/snapshots/${storageKey.split('/').map(encodeURIComponent).join('/')}`;
}

/** Where a snapshot is downloaded from (`pic_full_url`), signed for its stream like a recording. */
export function snapshotUrl(
  publicBaseUrl: string,
  row: { readonly storageKey: string; readonly stream: string },
  sign?: PlayUrlSigner,
): string {
  return withSignature(`${publicBaseUrl}${snapshotPath(row.storageKey)}`, row.stream, sign);
}

/** The WebVTT scrub-thumbnail track of a recording (`/thumbnails/{id}.vtt`), signed for its stream. */
export function thumbnailsUrl(
  publicBaseUrl: string,
  row: { readonly id: string; readonly stream: string },
  sign?: PlayUrlSigner,
): string {
  return withSignature(`${publicBaseUrl}/thumbnails/${encodeURIComponent(row.id)}.vtt`, row.stream, sign);
}

/** The one-playlist replay of a whole broadcast (`/replay/{broadcastId}.m3u8`). */
export function replayUrl(
  publicBaseUrl: string,
  broadcast: { readonly id: string; readonly stream: string },
  sign?: PlayUrlSigner,
): string {
  return withSignature(
    `${publicBaseUrl}/replay/${encodeURIComponent(broadcast.id)}.m3u8`,
    broadcast.stream,
    sign,
  );
}

/** The player page of a recording or a broadcast (`/play/{id}`), signed for its stream. */
export function playerUrl(
  publicBaseUrl: string,
  target: { readonly id: string; readonly stream: string },
  sign?: PlayUrlSigner,
): string {
  return withSignature(`${publicBaseUrl}/play/${encodeURIComponent(target.id)}`, target.stream, sign);
}

/** Where a live stream plays: HTTP-FLV, live HLS and RTMP, each signed for the stream. */
export interface LivePlaybackUrls {
  readonly flv: string;
  readonly hls: string;
  readonly rtmp: string;
}

export function livePlaybackUrls(
  bases: { readonly http: string; readonly rtmp: string },
  live: { readonly app: string; readonly stream: string },
  sign?: PlayUrlSigner,
): LivePlaybackUrls {
  const path = `${encodeURIComponent(live.app)}/${encodeURIComponent(live.stream)}`;
  const query = sign ? `?${sign(live.stream)}` : '';
  return {
    flv: `${bases.http}/live/${path}.flv${query}`,
    hls: `${bases.http}/live/${path}.m3u8${query}`,
    rtmp: `${bases.rtmp}/${path}${query}`,
  };
}

function withSignature(url: string, streamName: string, sign: PlayUrlSigner | undefined): string {
  return sign ? `${url}?${sign(streamName)}` : url;
}
