import { apiGet, withQuery } from '../../lib/api.js';
import { formatBytes, formatDateTime, formatDuration } from '../../lib/format.js';
import type { Broadcast, BroadcastPage } from '../../lib/types.js';
import { CopyButton } from '../ui/copy-button.js';
import { LoadMore } from '../ui/load-more.js';
import { usePages } from '../ui/use-pages.js';

const PAGE_SIZE = 20;

/** Broadcasts (one push with its HLS resumes), newest first, each with its replay URL and files. */
export function BroadcastList(props: { stream: string }) {
  const path = withQuery('/api/v1/broadcasts', { stream: props.stream || undefined, limit: PAGE_SIZE });
  const pages = usePages<Broadcast>(path, async (cursor) => {
    const page = await apiGet<BroadcastPage>(withQuery(path, { before: cursor }));
    return { items: page.broadcasts, next: page.nextCursor };
  });
  if (!pages.loading && !pages.error && pages.items.length === 0) {
    return (
      <p class="card empty-state">
        No broadcasts match. A broadcast appears once a push has recorded a file.
      </p>
    );
  }
  return (
    <>
      <ul class="broadcasts">
        {pages.items.map((broadcast) => (
          <BroadcastCard key={broadcast.id} broadcast={broadcast} />
        ))}
      </ul>
      <LoadMore pages={pages} />
    </>
  );
}

function BroadcastCard({ broadcast: b }: { broadcast: Broadcast }) {
  const name = `${b.app}/${b.stream}`;
  const formats = [...new Set(b.files.map((f) => f.format.toUpperCase()))];
  return (
    <li class="card broadcast" aria-label={`${name}, ${formatDateTime(b.startTime)}`}>
      {b.posterUrl && <img class="broadcast-poster" src={b.posterUrl} alt="" loading="lazy" />}
      <div class="broadcast-head">
        <h2 class="stream-name">{name}</h2>
        <span class="muted">
          {formatDateTime(b.startTime)} · {formatDuration(b.durationMs)}
          {b.recording && ' · still recording'}
        </span>
      </div>
      <p class="badges-line">
        {formats.map((format) => (
          <span key={format} class="badge">
            {format}
          </span>
        ))}
      </p>
      <div class="actions">
        <a class="button primary" href={b.playerUrl} target="_blank" rel="noopener">
          Open player
        </a>
        {b.replayUrl ? (
          <CopyButton text={b.replayUrl} what={`replay URL of ${name}`} label="Copy replay URL" />
        ) : (
          <span class="muted">No HLS recording: the player plays the files one after another.</span>
        )}
      </div>
      <details>
        <summary>
          {b.files.length} {b.files.length === 1 ? 'file' : 'files'}
        </summary>
        <ul class="file-list">
          {b.files.map((file) => (
            <li key={file.id}>
              <span class="badge">{file.format.toUpperCase()}</span> {formatDateTime(file.startTime)} ·{' '}
              {formatDuration(file.durationMs)} · {formatBytes(file.sizeBytes)}{' '}
              <a
                href={file.url}
                download
                aria-label={`Download the ${file.format.toUpperCase()} file of ${formatDateTime(file.startTime)}`}
              >
                Download
              </a>
            </li>
          ))}
        </ul>
      </details>
    </li>
  );
}
