/** One live room or replay in the /watch grid: the whole card is the button that plays it. */
import { useState } from 'preact/hooks';
import { formatDateTime, formatDuration } from '../lib/format.js';
import { formatRelative } from './relative-time.js';

export interface CardFacts {
  live: boolean;
  title: string;
  stream: string;
  /** When it started (live) or was recorded. */
  time: string;
  durationMs?: number;
  viewers?: number;
  cover: string | null;
}

export function RoomCard(props: { facts: CardFacts; playing: boolean; onPlay(): void; now: number }) {
  const { facts, playing, onPlay, now } = props;
  return (
    <button type="button" class="watch-card" aria-current={playing ? 'true' : undefined} onClick={onPlay}>
      <span class="watch-cover">
        <Cover url={facts.cover} stream={facts.stream} />
        {facts.live && <span class="watch-badge-live">LIVE</span>}
        {facts.durationMs !== undefined && (
          <span class="watch-badge-duration">{formatDuration(facts.durationMs)}</span>
        )}
      </span>
      <span class="watch-card-body">
        <span class="watch-card-title">{facts.title}</span>
        <span class="watch-card-meta">
          {facts.stream}
          {facts.viewers !== undefined && ` · ${facts.viewers} watching`}
        </span>
        <time class="watch-card-time" dateTime={facts.time}>
          {facts.live ? 'Started ' : 'Recorded '}
          {formatRelative(facts.time, now)}
          <span class="watch-card-absolute">{formatDateTime(facts.time)}</span>
        </time>
      </span>
    </button>
  );
}

/** The poster when there is one that loads; else the stream's initial on a neutral tile. */
function Cover(props: { url: string | null; stream: string }) {
  const [broken, setBroken] = useState(false);
  if (props.url && !broken) {
    return (
      <img class="watch-cover-image" src={props.url} alt="" loading="lazy" onError={() => setBroken(true)} />
    );
  }
  return (
    <span class="watch-cover-placeholder" aria-hidden="true">
      {props.stream.charAt(0).toUpperCase()}
    </span>
  );
}
