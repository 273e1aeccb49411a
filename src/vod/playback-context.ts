/**
 * Everything the playback routes (VOD files, broadcast replays, the Tencent query API) share, built once
 * from the configuration when the server starts.
 */
import type { Catalog } from '../catalog/db.js';
import type { RecordingRow } from '../catalog/recording-row.js';
import type { Config } from '../config/schema.js';
import { type PlayUrlSigner, playUrlSigner, vodUrl } from '../http/vod-url.js';
import type { StreamHub } from '../live/hub.js';
import type { MediaStore } from '../storage/media-store.js';
import type { PlayGuard } from './play-guard.js';
import type { ApiAuthConfig } from './tencent/request-auth.js';

export interface PlaybackContext {
  readonly catalog: Catalog;
  readonly store: MediaStore;
  readonly hub: StreamHub;
  /** Checks play signatures (PLAY_KEY); lets everything through when no key is set. */
  readonly guard: PlayGuard;
  /** Signs the URLs the APIs hand out; undefined when playback is open. */
  readonly signer: PlayUrlSigner | undefined;
  /** The base of generated URLs (PUBLIC_URL); a function because the HTTP port is known only once bound. */
  publicBaseUrl(): string;
  /** A recording's playback URL as the APIs hand it out: public base, signed when playback is. */
  fileUrl(row: Pick<RecordingRow, 'storageKey' | 'stream'>): string;
  readonly tencent: ApiAuthConfig & { readonly retentionDays: number };
}

export interface PlaybackParts {
  readonly guard: PlayGuard;
  readonly catalog: Catalog;
  readonly store: MediaStore;
  readonly hub: StreamHub;
  publicBaseUrl(): string;
}

export function playbackContext(
  config: Pick<Config, 'playKey' | 'appid' | 'apiKey' | 'retentionDays'>,
  parts: PlaybackParts,
): PlaybackContext {
  const signer = playUrlSigner(config.playKey);
  return {
    ...parts,
    signer,
    fileUrl: (row) => vodUrl(parts.publicBaseUrl(), row, signer),
    tencent: { appid: config.appid, apiKeys: config.apiKey, retentionDays: config.retentionDays },
  };
}
