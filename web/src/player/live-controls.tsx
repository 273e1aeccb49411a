/**
 * Under a live video: go back in the stream (its HLS playlist reaches back LIVE_DVR_WINDOW) and return
 * to the live edge. The browser's own seek bar does the rest once HLS plays.
 */
import { formatDuration } from '../lib/format.js';

/** How far one press of the back button goes. */
export const BACK_STEP_SEC = 30;
/** Closer than this to the live edge counts as live (a segment or two of jitter). */
export const AT_EDGE_SEC = 5;

export function LiveControls(props: {
  /** Seconds behind the live edge; 0 at the edge. */
  behindSec: number;
  onBack(): void;
  onLive(): void;
}) {
  const atEdge = props.behindSec < AT_EDGE_SEC;
  return (
    <fieldset class="player-live">
      <legend class="visually-hidden">Live position</legend>
      <button type="button" class="player-live-back" onClick={props.onBack}>
        <span aria-hidden="true">«</span> {BACK_STEP_SEC} s<span class="visually-hidden"> back</span>
      </button>
      <button
        type="button"
        class={atEdge ? 'player-live-edge player-live-edge-on' : 'player-live-edge'}
        aria-pressed={atEdge}
        aria-label={atEdge ? 'Live' : 'Back to live'}
        onClick={props.onLive}
      >
        LIVE
      </button>
      {!atEdge && (
        <span class="player-live-behind" role="status">
          {formatDuration(props.behindSec * 1000)} behind live
        </span>
      )}
    </fieldset>
  );
}
