/** HTTP-FLV (recordings and live streams) through mpegts.js, which remuxes FLV into MSE fragments. */
import mpegts from 'mpegts.js';
import type { Source } from '../lib/types.js';
import { type Detach, type EngineEvents, httpStatusText, UnsupportedSource } from './engine.js';

/** Live: no stash buffer and latency chasing, so the picture stays about a second behind the publisher. */
const LIVE_CONFIG: mpegts.Config = {
  enableWorker: false,
  enableStashBuffer: false,
  stashInitialSize: 128 * 1024,
  lazyLoad: false,
  liveBufferLatencyChasing: true,
  liveBufferLatencyMaxLatency: 3,
  liveBufferLatencyMinRemain: 0.5,
};

/** Recordings: fetched with Range requests; lazyLoad stops downloading far ahead of the playhead. */
const VOD_CONFIG: mpegts.Config = { enableWorker: false, lazyLoad: true, seekType: 'range' };

// The library logs every connection and segment at info level; keep the console for real problems.
mpegts.LoggingControl.applyConfig({ enableDebug: false, enableVerbose: false, enableInfo: false });

export function attachFlv(
  video: HTMLVideoElement,
  source: Source,
  live: boolean,
  events: EngineEvents,
): Detach {
  const features = mpegts.getFeatureList();
  if (!(live ? features.mseLivePlayback : features.msePlayback)) {
    throw new UnsupportedSource('This browser cannot play FLV.');
  }
  const player = mpegts.createPlayer(
    // Live: 0 overrides the length an encoder may put in onMetaData (ffmpeg -t), so the browser shows a
    // live timeline, not a seek bar that ends. Recordings: the catalog's length, known before any byte.
    { type: 'flv', url: source.url, isLive: live, duration: live ? 0 : source.durationMs },
    live ? LIVE_CONFIG : VOD_CONFIG,
  );
  player.on(mpegts.Events.ERROR, (type: string, detail: string, info?: { code?: number }) => {
    if (live && detail === mpegts.ErrorDetails.NETWORK_UNRECOVERABLE_EARLY_EOF) events.liveEnded();
    else events.fail(flvErrorText(type, detail, info?.code));
  });
  if (live) player.on(mpegts.Events.LOADING_COMPLETE, () => events.liveEnded());
  player.attachMediaElement(video);
  player.load();
  return () => {
    player.unload();
    player.detachMediaElement();
    player.destroy();
  };
}

function flvErrorText(type: string, detail: string, status: number | undefined): string {
  if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID && status !== undefined) {
    return httpStatusText(status);
  }
  if (type === mpegts.ErrorTypes.NETWORK_ERROR) return `The video could not be downloaded (${detail}).`;
  if (type === mpegts.ErrorTypes.MEDIA_ERROR) return `The video could not be played (${detail}).`;
  return `Playback failed (${detail}).`;
}
