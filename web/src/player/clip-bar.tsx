/**
 * Cutting a clip out of what the player shows: "Mark in" takes the current time, "Mark out" takes it
 * too and exports at once (POST /api/v1/clips), so a clip is two clicks; then its player link is shown
 * with a Copy button. Times are the source's (a broadcast played in parts adds the parts before).
 */
import type { RefObject } from 'preact';
import { useState } from 'preact/hooks';
import { CopyField } from '../console/ui/copy-button.js';
import { apiSend, errorText } from '../lib/api.js';
import { formatClock } from '../lib/format.js';
import type { Recording } from '../lib/types.js';

/** What a clip is cut from: one recording, or a broadcast across its files. */
export type ClipSource = { recordingId: string } | { broadcastId: string };

/** Formats `POST /api/v1/clips` cuts from (its answer says why for the others). */
export const CLIPPABLE_FORMATS: ReadonlySet<string> = new Set(['mp4', 'flv', 'hls']);

type Export =
  | { state: 'idle' }
  | { state: 'exporting' }
  | { state: 'done'; link: string }
  | { state: 'failed'; message: string };

export interface ClipBarProps {
  source: ClipSource;
  video: RefObject<HTMLVideoElement | null>;
  /** Where the video's time 0 lies on the source's timeline, in ms. */
  offsetMs: number;
}

export function ClipBar({ source, video, offsetMs }: ClipBarProps) {
  const [inMs, setInMs] = useState<number | null>(null);
  const [outMs, setOutMs] = useState<number | null>(null);
  const [result, setResult] = useState<Export>({ state: 'idle' });
  const now = () => offsetMs + Math.round((video.current?.currentTime ?? 0) * 1000);

  const markIn = () => {
    setInMs(now());
    setOutMs(null);
    setResult({ state: 'idle' });
  };
  const markOut = () => {
    const end = now();
    setOutMs(end);
    if (inMs === null || end <= inMs) {
      setResult({ state: 'failed', message: 'Mark the start of the clip first, before its end.' });
      return;
    }
    setResult({ state: 'exporting' });
    apiSend<Recording>('POST', '/api/v1/clips', { ...source, start: inMs / 1000, end: end / 1000 }).then(
      (clip) => setResult({ state: 'done', link: new URL(clip.playerUrl, window.location.href).href }),
      (error: unknown) => setResult({ state: 'failed', message: errorText(error) }),
    );
  };

  return (
    <div class="clip-bar">
      <div class="clip-bar-controls">
        <button type="button" class="button" onClick={markIn}>
          Mark in{inMs !== null && ` · ${formatClock(inMs)}`}
        </button>
        <button type="button" class="button" onClick={markOut} disabled={result.state === 'exporting'}>
          Mark out &amp; export{outMs !== null && ` · ${formatClock(outMs)}`}
        </button>
        <span role="status" class="clip-bar-status">
          {result.state === 'exporting' && 'Cutting the clip…'}
          {result.state === 'done' && 'Clip ready.'}
        </span>
      </div>
      {result.state === 'failed' && (
        <p class="clip-bar-error" role="alert">
          {result.message}
        </p>
      )}
      {result.state === 'done' && <CopyField id={clipLinkId(source)} label="Clip link" value={result.link} />}
    </div>
  );
}

function clipLinkId(source: ClipSource): string {
  return 'recordingId' in source ? `clip-link-${source.recordingId}` : `clip-link-${source.broadcastId}`;
}
