/** HLS through hls.js on browsers with Media Source Extensions (everything but older iPhones). */
import Hls, { type ErrorData } from 'hls.js';
import { type Attached, type EngineEvents, httpStatusText } from './engine.js';

/** Null when the browser has no MSE; the caller then tries native HLS. */
export function attachHls(
  video: HTMLVideoElement,
  url: string,
  live: boolean,
  events: EngineEvents,
): Attached | null {
  if (!Hls.isSupported()) return null;
  // A live playlist that reaches back (LIVE_DVR_WINDOW) gets a finite duration, so the seek bar of the
  // browser's own controls spans it and the viewer can drag back into the stream.
  const hls = new Hls();
  let mediaRecoveryTried = false;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal) return;
    // A decoder hiccup (e.g. a codec change at a discontinuity) often clears after one media reset.
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !mediaRecoveryTried) {
      mediaRecoveryTried = true;
      hls.recoverMediaError();
      return;
    }
    events.fail(hlsErrorText(data));
  });
  hls.loadSource(url);
  hls.attachMedia(video);
  const detach = () => hls.destroy();
  return live ? { detach, liveEdge: () => hls.liveSyncPosition } : { detach };
}

function hlsErrorText(data: ErrorData): string {
  const status = data.response?.code;
  if (status !== undefined && status >= 400) return httpStatusText(status);
  if (data.type === Hls.ErrorTypes.NETWORK_ERROR)
    return `The video could not be downloaded (${data.details}).`;
  if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return `The video could not be decoded (${data.details}).`;
  return `The video could not be played (${data.details}).`;
}
