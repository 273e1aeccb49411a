/** /play/{id}: one recording or broadcast, shareable and embeddable. */
import { useEffect, useState } from 'preact/hooks';
import { CopyField } from '../console/ui/copy-button.js';
import { ApiError, apiGet, errorText } from '../lib/api.js';
import { formatDateTime, formatDuration } from '../lib/format.js';
import type { PlayInfo } from '../lib/types.js';
import { CLIPPABLE_FORMATS, type ClipSource } from '../player/clip-bar.js';
import { Player } from '../player/player.js';
import { iframeSnippet, type PlayLocation, readPlayLocation } from './play-location.js';

type Load = { state: 'loading' } | { state: 'ready'; info: PlayInfo } | { state: 'failed'; message: string };

export function PlayPage() {
  const [where] = useState(() => readPlayLocation(window.location, window.top !== window.self));
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  useEffect(() => {
    if (!where.id) {
      setLoad({ state: 'failed', message: failureText(404) });
      return;
    }
    apiGet<PlayInfo>(`/api/play/${encodeURIComponent(where.id)}${where.signature}`).then(
      (info) => {
        document.title = `${info.title} · LiveTape`;
        setLoad({ state: 'ready', info });
      },
      (error: unknown) =>
        setLoad({
          state: 'failed',
          message: error instanceof ApiError ? failureText(error.status, error.message) : errorText(error),
        }),
    );
  }, [where]);

  return (
    <main class={where.embedded ? 'play play-embedded' : 'play'}>
      {load.state === 'loading' && <p class="play-status">Loading…</p>}
      {load.state === 'failed' && (
        <div class="play-failure" role="alert">
          <h1>Cannot play this video</h1>
          <p>{load.message}</p>
        </div>
      )}
      {load.state === 'ready' && <PlayView info={load.info} where={where} />}
    </main>
  );
}

function PlayView({ info, where }: { info: PlayInfo; where: PlayLocation }) {
  const canClip = useConsoleSession(!where.embedded);
  const details = (
    <p class="play-details">
      {info.title !== info.stream && <span>{info.stream}</span>}
      <time dateTime={info.startTime}>{formatDateTime(info.startTime)}</time>
      <span>Length {formatDuration(info.durationMs)}</span>
    </p>
  );
  return (
    <>
      <header class="play-header">
        {where.embedded ? (
          <a class="play-title" href={where.shareUrl} target="_blank" rel="noopener">
            {info.title}
          </a>
        ) : (
          <h1 class="play-title">{info.title}</h1>
        )}
        {details}
      </header>
      <Player
        class="play-player"
        title={info.title}
        sources={info.sources}
        sequence={info.sequence}
        poster={info.poster}
        thumbnails={info.thumbnails}
        clip={canClip && clippable(info) ? clipSourceOf(info) : undefined}
      />
      {!where.embedded && (
        <section class="play-share" aria-labelledby="play-share-heading">
          <h2 id="play-share-heading">Share</h2>
          <CopyField id="play-link" label="Link" value={where.shareUrl} />
          <CopyField
            id="play-embed"
            label="Embed"
            value={iframeSnippet(where.embedUrl, info.title)}
            multiline
          />
        </section>
      )}
    </>
  );
}

/**
 * Whether this browser is logged into the console: only then does the page offer to cut clips (the
 * clip API needs the session; a viewer of a shared link just watches). Never asked when embedded.
 */
function useConsoleSession(ask: boolean): boolean {
  const [authenticated, setAuthenticated] = useState(false);
  useEffect(() => {
    if (!ask) return;
    apiGet<{ authenticated: boolean }>('/api/v1/session').then(
      (session) => setAuthenticated(session.authenticated),
      () => setAuthenticated(false),
    );
  }, [ask]);
  return authenticated;
}

/** Whether the recording or broadcast has a file clips are cut from (an audio-only AAC file is not one). */
function clippable(info: PlayInfo): boolean {
  return [...info.sources, ...info.sequence].some((s) => CLIPPABLE_FORMATS.has(s.format));
}

function clipSourceOf(info: PlayInfo): ClipSource {
  return info.kind === 'recording' ? { recordingId: info.id } : { broadcastId: info.id };
}

function failureText(status: number, serverMessage?: string): string {
  if (status === 403) {
    return `This link has expired or is not signed${serverMessage ? ` (${serverMessage})` : ''}. Ask whoever shared it for a new one.`;
  }
  if (status === 404) return 'There is no recording or broadcast with this id: it may have been deleted.';
  return serverMessage ?? `The server answered HTTP ${status}.`;
}
