/**
 * Everything the playback routes (VOD files, broadcast replays, the player and watch APIs, the Tencent
 * query API) share, built once when the server starts. Play keys and retention can change at run time,
 * so what depends on them is read on each use.
 */
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Config } from '../config/schema.js';
import type { MediaPlaylist } from '../container/hls/playlist.js';
import {
  type BucketUrlConfig,
  bucketUrl,
  type LivePlaybackUrls,
  livePlaybackUrls,
  type PlayUrlSigner,
  playerUrl,
  playUrlSigner,
  snapshotUrl,
  thumbnailsUrl,
  vodUrl,
} from '../http/vod-url.js';
import type { StreamHub } from '../live/hub.js';
import { type MediaFiles, mediaFilesOf } from '../storage/media-files.js';
import type { MediaStore } from '../storage/media-store.js';
import type { S3ObjectStore } from '../storage/s3-object-store.js';
import type { PlayGuard } from './play-guard.js';
import { readBucketPlaylist, readRecordedPlaylist } from './recorded-playlist.js';
import type { ApiAuthConfig } from './tencent/request-auth.js';

export interface PlaybackContext {
  readonly catalog: Catalog;
  readonly store: MediaStore;
  /** With STORAGE=s3: recordings are served from this bucket, not the local spool. */
  readonly objects: S3ObjectStore | undefined;
  /** With STORAGE=s3: stream objects through LiveTape (VOD_PROXY) instead of redirecting to the bucket. */
  readonly vodProxy: boolean;
  /** Snapshots, posters and thumbnail sprites, from the bucket or the media folder. */
  readonly files: MediaFiles;
  /** A recorded HLS playlist as it is now, from the bucket or the media folder. */
  readPlaylist(key: string): Promise<MediaPlaylist | undefined>;
  readonly hub: StreamHub;
  /** Checks play signatures (the play keys); lets everything through when there is none. */
  readonly guard: PlayGuard;
  /** Signs the URLs the APIs hand out with the current primary play key; undefined when playback is open. */
  readonly signer: PlayUrlSigner | undefined;
  /** The base of generated URLs (PUBLIC_URL); a function because the HTTP port is known only once bound. */
  publicBaseUrl(): string;
  /** `rtmp://<public host>:<port>`, the base of push and RTMP play URLs. */
  rtmpBaseUrl(): string;
  /** A recording's playback URL as the APIs hand it out: public base, signed when playback is. */
  fileUrl(row: Pick<RecordingRow, 'storageKey' | 'stream'>): string;
  /** The `/play/{id}` page of a recording or broadcast, signed when playback is. */
  playerUrl(target: { readonly id: string; readonly stream: string }): string;
  /** Where a snapshot is downloaded from, signed when playback is. */
  snapshotUrl(row: { readonly storageKey: string; readonly stream: string }): string;
  /** A recording's scrub-thumbnail WebVTT track, signed when playback is. */
  thumbnailsUrl(row: { readonly id: string; readonly stream: string }): string;
  /** The newest snapshot's URL of a stream live on this node (its cover), or null. */
  liveCoverUrl(live: { readonly app: string; readonly stream: string }): string | null;
  /** A live stream's HTTP-FLV, HLS and RTMP play URLs, signed when playback is. */
  liveUrls(live: { readonly app: string; readonly stream: string }): LivePlaybackUrls;
  readonly tencent: ApiAuthConfig & { readonly retentionDays: number };
}

export interface PlaybackParts {
  readonly guard: PlayGuard;
  readonly catalog: Catalog;
  readonly store: MediaStore;
  readonly objects?: S3ObjectStore;
  readonly hub: StreamHub;
  publicBaseUrl(): string;
  rtmpBaseUrl(): string;
  /** The play keys in force now, primary first. */
  playKeys(): readonly string[];
  /** The retention in force now, in days (0: kept forever); file lists show it as the expiry. */
  retentionDays(): number;
  /** The newest snapshot of a stream live on this node. */
  latestSnapshot?(
    app: string,
    stream: string,
  ): { readonly storageKey: string; readonly stream: string } | undefined;
}

export function playbackContext(
  config: Pick<Config, 'appid' | 'apiKey'> & Partial<Pick<Config, 'vodProxy'>> & BucketUrlConfig,
  parts: PlaybackParts,
): PlaybackContext {
  const signer = () => playUrlSigner(parts.playKeys());
  return {
    catalog: parts.catalog,
    store: parts.store,
    objects: parts.objects,
    vodProxy: config.vodProxy ?? false,
    files: mediaFilesOf(parts.store, parts.objects),
    readPlaylist: (key) =>
      parts.objects ? readBucketPlaylist(parts.objects, key) : readRecordedPlaylist(parts.store, key),
    hub: parts.hub,
    guard: parts.guard,
    publicBaseUrl: parts.publicBaseUrl,
    rtmpBaseUrl: parts.rtmpBaseUrl,
    get signer() {
      return signer();
    },
    fileUrl: (row) => bucketUrl(config, row.storageKey) ?? vodUrl(parts.publicBaseUrl(), row, signer()),
    playerUrl: (target) => playerUrl(parts.publicBaseUrl(), target, signer()),
    snapshotUrl: (row) => snapshotUrl(parts.publicBaseUrl(), row, signer()),
    thumbnailsUrl: (row) => thumbnailsUrl(parts.publicBaseUrl(), row, signer()),
    liveCoverUrl(live) {
      const row = parts.latestSnapshot?.(live.app, live.stream);
      return row === undefined ? null : snapshotUrl(parts.publicBaseUrl(), row, signer());
    },
    liveUrls: (live) =>
      livePlaybackUrls({ http: parts.publicBaseUrl(), rtmp: parts.rtmpBaseUrl() }, live, signer()),
    tencent: {
      appid: config.appid,
      apiKeys: config.apiKey,
      get retentionDays() {
        return parts.retentionDays();
      },
    },
  };
}
