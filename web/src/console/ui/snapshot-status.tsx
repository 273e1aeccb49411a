import { apiGet } from '../../lib/api.js';
import { useResource } from './use-resource.js';

/** The part of `GET /healthz` this reads (it needs no authorization). */
interface Health {
  snapshots?: { enabled: boolean; reason?: string };
}

/**
 * Says that snapshots are off and why (SNAPSHOT_INTERVAL is 0, ffmpeg is not on the PATH…), since
 * live covers, posters and scrub thumbnails all come from them; nothing while they are on.
 */
export function SnapshotStatus() {
  const health = useResource('healthz', () => apiGet<Health>('/healthz'));
  const snapshots = health.data?.snapshots;
  if (snapshots === undefined || snapshots.enabled) return null;
  return (
    <p class="muted" role="status">
      Snapshots are off: {snapshots.reason ?? 'no reason given'}. Live streams show no cover, and new
      recordings get no poster or scrub thumbnails.
    </p>
  );
}
