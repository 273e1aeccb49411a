/**
 * The one video player of the console, the /play page and the /watch page: a native `<video controls>`
 * fed by the engine each source's format needs (see engine.ts).
 */
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDuration } from '../lib/format.js';
import type { Source } from '../lib/types.js';
import { ClipBar, type ClipSource } from './clip-bar.js';
import { type Attached, attachSource, UnsupportedSource } from './engine.js';
import { BACK_STEP_SEC, LiveControls } from './live-controls.js';
import './player.css';
import { ScrubPreview } from './scrub-preview.js';

export interface PlayerProps {
  /** Alternatives of the same media, best first: the next one is tried when one fails. */
  sources: Source[];
  /** Used when `sources` is empty: parts played one after another (a broadcast recorded without HLS). */
  sequence?: Source[];
  live?: boolean;
  muted?: boolean;
  autoPlay?: boolean;
  class?: string;
  /** The video's accessible name. */
  title: string;
  /** A picture shown until the video plays: a recording's poster, a live stream's newest snapshot. */
  poster?: string | null;
  /** A WebVTT thumbnail track: the seek bar under the video shows the frame under the pointer. */
  thumbnails?: string | null;
  /** Offer "Mark in / Mark out & export" cutting a clip out of this source (not for live streams). */
  clip?: ClipSource;
}

export function Player(props: PlayerProps): JSX.Element {
  // Other media is another video: remounting resets the part, the alternative and any error, while a
  // parent re-rendering with the same media (a list refresh) leaves playback alone.
  const media = [...props.sources, ...(props.sequence ?? [])].map((s) => `${s.format} ${mediaPath(s.url)}`);
  return <PlayerBody key={`${props.live ? 'live' : 'vod'}\n${media.join('\n')}`} {...props} />;
}

/**
 * A URL without its query: the APIs sign each answer afresh (a new txTime each poll), and a fresh
 * signature on the same file or stream must not restart what is playing.
 */
function mediaPath(url: string): string {
  const parsed = new URL(url, window.location.href);
  return parsed.origin + parsed.pathname;
}

interface Failure {
  message: string;
  unsupported: boolean;
}

function PlayerBody(props: PlayerProps): JSX.Element {
  const { live = false, muted = false, autoPlay = false, title } = props;
  // The key pins the media; the first lists (and their signed URLs) stay in use for this mount.
  const [alternatives] = useState(props.sources);
  const [parts] = useState(alternatives.length > 0 ? [] : (props.sequence ?? []));
  const [alternative, setAlternative] = useState(0);
  const [part, setPart] = useState(0);
  const [problem, setProblem] = useState<string | null>(null);
  const [liveEnded, setLiveEnded] = useState(false);
  const videoRef = useRef<HTMLVideoElement>(null);
  const playWanted = useRef(autoPlay);
  const failures = useRef<Failure[]>([]);
  const source = alternatives.length > 0 ? alternatives[alternative] : parts[part];
  const attachedRef = useRef<Attached | undefined>(undefined);
  /** Seconds to go back from the live edge once the seekable (HLS) source is ready. */
  const pendingBack = useRef<number | null>(null);
  const [behindSec, setBehindSec] = useState(0);
  // A live stream can be rewound through its HLS playlist (the DVR window), whatever plays first.
  const rewindable = live ? alternatives.findIndex((s) => s.format === 'hls') : -1;

  useEffect(() => {
    const video = videoRef.current;
    if (!video || !source) return;
    let active = true;
    let detach: (() => void) | undefined;
    const fail = (failure: Failure) => {
      if (!active) return;
      active = false;
      failures.current.push(failure);
      if (alternative + 1 < alternatives.length) setAlternative(alternative + 1);
      else setProblem(mostTelling(failures.current));
    };
    const events = {
      fail: (message: string) => fail({ message, unsupported: false }),
      liveEnded: () => {
        if (active) setLiveEnded(true);
      },
    };
    attachSource(video, source, live, events).then(
      (attached) => {
        if (!active) return attached.detach();
        detach = attached.detach;
        attachedRef.current = attached;
        if (playWanted.current) startPlayback(video);
      },
      (error: unknown) =>
        fail({ message: errorMessage(error), unsupported: error instanceof UnsupportedSource }),
    );
    return () => {
      active = false;
      attachedRef.current = undefined;
      detach?.();
    };
  }, [source, live, alternative, alternatives.length]);

  /** On every time update of a live video: how far behind the edge it plays; a pending rewind. */
  const onTimeUpdate = () => {
    const video = videoRef.current;
    const edge = attachedRef.current?.liveEdge?.() ?? null;
    if (!video || edge === null) return;
    if (pendingBack.current !== null) {
      const back = pendingBack.current;
      pendingBack.current = null;
      video.currentTime = Math.max(seekableStart(video), edge - back);
    }
    setBehindSec(Math.max(0, edge - video.currentTime));
  };
  const goBack = () => {
    const video = videoRef.current;
    if (!video) return;
    playWanted.current = true;
    if (attachedRef.current?.liveEdge) {
      video.currentTime = Math.max(seekableStart(video), video.currentTime - BACK_STEP_SEC);
      startPlayback(video);
    } else {
      // Playing HTTP-FLV (which cannot seek): switch to the stream's HLS and start that far back.
      pendingBack.current = BACK_STEP_SEC;
      failures.current = [];
      setProblem(null);
      setAlternative(rewindable);
    }
  };
  const goLive = () => {
    const video = videoRef.current;
    const edge = attachedRef.current?.liveEdge?.() ?? null;
    if (!video || edge === null) return;
    video.currentTime = edge;
    setBehindSec(0);
    startPlayback(video);
  };

  const onEnded = () => {
    if (live) setLiveEnded(true);
    else if (part + 1 < parts.length) choosePart(part + 1);
  };
  const choosePart = (index: number) => {
    playWanted.current = true;
    failures.current = [];
    setProblem(null);
    setPart(index);
  };

  const message = !source ? 'Nothing to play.' : (problem ?? (liveEnded ? 'Stream ended.' : null));
  return (
    <div class={props.class ? `player ${props.class}` : 'player'}>
      <div class="player-frame">
        <video
          ref={videoRef}
          controls
          playsInline
          preload="metadata"
          poster={props.poster ?? undefined}
          muted={muted}
          aria-label={title}
          onPlay={() => {
            playWanted.current = true;
          }}
          onEnded={onEnded}
          onTimeUpdate={live ? onTimeUpdate : undefined}
        />
        {message && (
          <p
            class={problem ? 'player-message player-error' : 'player-message'}
            role={problem ? 'alert' : 'status'}
          >
            {message}
          </p>
        )}
      </div>
      {rewindable >= 0 && !liveEnded && !problem && (
        <LiveControls behindSec={behindSec} onBack={goBack} onLive={goLive} />
      )}
      {props.thumbnails && !live && (
        <ScrubPreview track={props.thumbnails} video={videoRef} label={`Seek in ${title}`} />
      )}
      {props.clip && !live && (
        <ClipBar source={props.clip} video={videoRef} offsetMs={partsBefore(parts, part)} />
      )}
      {parts.length > 1 && (
        <div class="player-parts">
          <label>
            Part{' '}
            <select
              value={String(part)}
              onChange={(event) => choosePart(Number(event.currentTarget.value))}
              aria-label={`Part of ${parts.length}`}
            >
              {parts.map((p, index) => (
                <option key={p.url} value={String(index)}>
                  {index + 1}
                  {p.durationMs !== undefined ? ` (${formatDuration(p.durationMs)})` : ''}
                </option>
              ))}
            </select>{' '}
            of {parts.length}
          </label>
        </div>
      )}
    </div>
  );
}

function seekableStart(video: HTMLVideoElement): number {
  return video.seekable.length > 0 ? video.seekable.start(0) : 0;
}

/** Where part `index` starts on the source's timeline: the lengths of the parts before it. */
function partsBefore(parts: readonly Source[], index: number): number {
  return parts.slice(0, index).reduce((sum, p) => sum + (p.durationMs ?? 0), 0);
}

function startPlayback(video: HTMLVideoElement): void {
  video.play().catch((error: unknown) => {
    // Browsers refuse unmuted autoplay without a user gesture but allow it muted; the user can unmute.
    if (error instanceof DOMException && error.name === 'NotAllowedError' && !video.muted) {
      video.muted = true;
      video.play().catch(() => undefined);
    }
  });
}

/** A real failure (403, 404, decode) says more than "this browser cannot play FLV" of a fallback. */
function mostTelling(failures: Failure[]): string {
  return (failures.find((f) => !f.unsupported) ?? failures[0])?.message ?? 'The video could not be played.';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
