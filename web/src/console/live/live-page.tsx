import { apiGet } from '../../lib/api.js';
import type { StreamList } from '../../lib/types.js';
import { BASE } from '../paths.js';
import { PageHeader } from '../ui/page-header.js';
import { SnapshotStatus } from '../ui/snapshot-status.js';
import { useResource } from '../ui/use-resource.js';
import { StreamCard } from './stream-card.js';

const POLL_MS = 2000;

/** Every push in progress, refreshed every 2 s; previews keep playing across refreshes. */
export function LivePage() {
  const streams = useResource('streams', () => apiGet<StreamList>('/api/v1/streams'), POLL_MS);
  const list = streams.data?.streams;
  return (
    <>
      <PageHeader title="Live now">
        Streams being pushed to this server, refreshed every 2 seconds.
      </PageHeader>
      <SnapshotStatus />
      {streams.error && (
        <p role="alert" class="error-text">
          Could not refresh the list: {streams.error}
        </p>
      )}
      {list === undefined ? (
        !streams.error && <p class="muted">Loading…</p>
      ) : list.length === 0 ? (
        <NoStreams />
      ) : (
        <ul class="stream-cards">
          {list.map((s) => (
            <StreamCard key={s.sessionId} stream={s} onKicked={streams.reload} />
          ))}
        </ul>
      )}
    </>
  );
}

function NoStreams() {
  return (
    <div class="card empty-state">
      <h2>Nobody is streaming right now</h2>
      <p>
        Point OBS or ffmpeg at this server to go live: <a href={`${BASE}/push`}>generate a push URL</a> and
        paste its “Server” and “Stream Key” into OBS (Settings → Stream → Custom), then press Start Streaming.
        The stream shows up here within a few seconds.
      </p>
    </div>
  );
}
