/**
 * Attaches one source to a `<video>` with the engine its format needs. hls.js and mpegts.js are loaded
 * with `import()` so a page only downloads the library of the format it actually plays.
 */
import type { Source } from '../lib/types.js';

export interface EngineEvents {
  /** Playback cannot go on; `message` is for a person. */
  fail(message: string): void;
  /** The server closed a live stream's connection: the publisher stopped. */
  liveEnded(): void;
}

/** Stops loading and frees the engine; the `<video>` is left empty. */
export type Detach = () => void;

/** A source playing in a `<video>`. */
export interface Attached {
  detach: Detach;
  /**
   * Live HLS: where the live edge is on the video's timeline now (the engine's idea of a safe distance
   * behind the newest segment), or null before the playlist is known. Absent: the source cannot seek.
   */
  liveEdge?: () => number | null;
}

/** This source cannot play in this browser; the player tries the next alternative. */
export class UnsupportedSource extends Error {
  override name = 'UnsupportedSource';
}

export async function attachSource(
  video: HTMLVideoElement,
  source: Source,
  live: boolean,
  events: EngineEvents,
): Promise<Attached> {
  switch (source.format) {
    case 'mp4':
    case 'aac':
      return { detach: attachNative(video, source.url, events) };
    case 'hls': {
      const { attachHls } = await import('./hls-engine.js');
      const attached = attachHls(video, source.url, live, events);
      if (attached) return attached;
      // Safari and iOS play HLS themselves and have no MSE-based alternative on older iPhones.
      if (video.canPlayType('application/vnd.apple.mpegurl') !== '') {
        const detach = attachNative(video, source.url, events);
        return live ? { detach, liveEdge: () => nativeLiveEdge(video) } : { detach };
      }
      throw new UnsupportedSource('This browser cannot play HLS.');
    }
    case 'flv': {
      const { attachFlv } = await import('./flv-engine.js');
      return { detach: attachFlv(video, source, live, events) };
    }
  }
}

/** Native HLS (Safari) seeks within `seekable`; its end is the newest segment's, so stay a little behind. */
function nativeLiveEdge(video: HTMLVideoElement): number | null {
  const ranges = video.seekable;
  return ranges.length === 0 ? null : Math.max(ranges.start(0), ranges.end(ranges.length - 1) - 6);
}

function attachNative(video: HTMLVideoElement, url: string, events: EngineEvents): Detach {
  const onError = () => events.fail(mediaErrorText(video.error));
  video.addEventListener('error', onError);
  video.src = url;
  return () => {
    video.removeEventListener('error', onError);
    // Removing src alone keeps the old download running; load() with no source aborts it.
    video.removeAttribute('src');
    video.load();
  };
}

function mediaErrorText(error: MediaError | null): string {
  switch (error?.code) {
    case MediaError.MEDIA_ERR_NETWORK:
      return 'The video could not be downloaded (network error).';
    case MediaError.MEDIA_ERR_DECODE:
      return 'The video could not be decoded.';
    case MediaError.MEDIA_ERR_SRC_NOT_SUPPORTED:
      return 'The video was not found, the link has expired, or this browser cannot play its format.';
    default:
      return 'The video could not be played.';
  }
}

/** A message for an HTTP status a media request got. */
export function httpStatusText(status: number): string {
  if (status === 403) return 'Access denied: the link has expired or is not signed (HTTP 403).';
  if (status === 404) return 'Not found: the video was deleted or the stream is not live (HTTP 404).';
  return `The server answered HTTP ${status}.`;
}
