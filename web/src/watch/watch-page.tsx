/** /watch: live rooms first, then replays of the last 7 days; a card plays in the panel on top. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime, formatDuration } from '../lib/format.js';
import type { Source, WatchLive, WatchReplay } from '../lib/types.js';
import { Player } from '../player/player.js';
import { type CardFacts, RoomCard } from './room-card.js';
import { useWatchList } from './use-watch-list.js';

/** What plays: the card's item as it was at the click, so the panel stays put while the list refreshes. */
type Selection =
  | { key: string; live: true; room: WatchLive; sources: Source[] }
  | { key: string; live: false; replay: WatchReplay; sources: Source[] };

export function WatchPage() {
  const { list, error } = useWatchList();
  const [selection, setSelection] = useState<Selection | null>(null);
  const now = Date.now();

  return (
    <div class="watch">
      <header class="watch-header">
        <h1>Watch</h1>
        <p class="watch-tagline">Live rooms and replays of the last 7 days</p>
      </header>
      <main class="watch-main">
        {selection && <NowPlaying selection={selection} onClose={() => setSelection(null)} />}
        {error && (
          <p class="watch-error" role="alert">
            {error}
          </p>
        )}
        {list === null && !error && <p class="watch-empty">Loading…</p>}
        {list && (
          <>
            <section aria-labelledby="watch-live-heading">
              <h2 id="watch-live-heading">Live now</h2>
              <CardGrid
                empty="Nobody is live right now."
                items={list.live.map((room) => ({
                  key: `live ${room.app}/${room.stream}`,
                  facts: liveFacts(room),
                  select: (): Selection => ({
                    key: `live ${room.app}/${room.stream}`,
                    live: true,
                    room,
                    sources: liveOrder(room.sources),
                  }),
                }))}
                playing={selection?.key}
                onSelect={setSelection}
                now={now}
              />
            </section>
            <section aria-labelledby="watch-replays-heading">
              <h2 id="watch-replays-heading">Replays</h2>
              <CardGrid
                empty="No replays from the last 7 days."
                items={list.replays.map((replay) => ({
                  key: `replay ${replay.id}`,
                  facts: replayFacts(replay),
                  select: (): Selection => ({
                    key: `replay ${replay.id}`,
                    live: false,
                    replay,
                    sources: replay.sources,
                  }),
                }))}
                playing={selection?.key}
                onSelect={setSelection}
                now={now}
              />
            </section>
          </>
        )}
      </main>
    </div>
  );
}

interface GridItem {
  key: string;
  facts: CardFacts;
  select(): Selection;
}

function CardGrid(props: {
  items: GridItem[];
  empty: string;
  playing: string | undefined;
  onSelect(selection: Selection): void;
  now: number;
}) {
  if (props.items.length === 0) return <p class="watch-empty">{props.empty}</p>;
  return (
    <ul class="watch-grid">
      {props.items.map((item) => (
        <li key={item.key}>
          <RoomCard
            facts={item.facts}
            playing={item.key === props.playing}
            onPlay={() => props.onSelect(item.select())}
            now={props.now}
          />
        </li>
      ))}
    </ul>
  );
}

function NowPlaying({ selection, onClose }: { selection: Selection; onClose(): void }) {
  const panel = useRef<HTMLElement>(null);
  // On a phone the cards sit far below the panel: bring the video into view when something is picked.
  useEffect(() => {
    panel.current?.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [selection.key]);
  const item = selection.live ? selection.room : selection.replay;
  return (
    <section class="watch-now" aria-label="Now playing" ref={panel}>
      <Player title={item.title} sources={selection.sources} live={selection.live} autoPlay />
      <div class="watch-now-info">
        <div>
          <h2 class="watch-now-title">{item.title}</h2>
          <p class="watch-now-meta">
            {selection.live ? (
              <>
                <span class="watch-badge-live">LIVE</span> {item.stream} · started{' '}
                <time dateTime={selection.room.startedAt}>{formatDateTime(selection.room.startedAt)}</time>
              </>
            ) : (
              <>
                {item.stream} ·{' '}
                <time dateTime={selection.replay.startTime}>
                  {formatDateTime(selection.replay.startTime)}
                </time>{' '}
                · {formatDuration(selection.replay.durationMs)}
              </>
            )}
          </p>
        </div>
        <div class="watch-now-actions">
          {!selection.live && (
            <a class="button" href={selection.replay.playerUrl}>
              Open player page
            </a>
          )}
          <button type="button" class="button" onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </section>
  );
}

function liveFacts(room: WatchLive): CardFacts {
  return {
    live: true,
    title: room.title,
    stream: room.stream,
    time: room.startedAt,
    viewers: room.viewers,
    cover: room.cover,
  };
}

function replayFacts(replay: WatchReplay): CardFacts {
  return {
    live: false,
    title: replay.title,
    stream: replay.stream,
    time: replay.startTime,
    durationMs: replay.durationMs,
    cover: replay.cover,
  };
}

/** Live: HTTP-FLV first (about a second behind, vs. several for HLS), HLS as the fallback (iPhones). */
function liveOrder(sources: Source[]): Source[] {
  const rank = (s: Source) => (s.format === 'flv' ? 0 : s.format === 'hls' ? 1 : 2);
  return [...sources].sort((a, b) => rank(a) - rank(b));
}
