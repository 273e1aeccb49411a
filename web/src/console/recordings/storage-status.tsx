import { apiGet } from '../../lib/api.js';
import { useResource } from '../ui/use-resource.js';

/** `GET /api/v1/storage` */
type StorageView =
  | { kind: 'local' }
  | {
      kind: 's3';
      bucket: string;
      pendingUploads: number;
      oldestPendingSec: number;
      lastError: { message: string; at: string } | null;
    };

const POLL_MS = 5000;

/**
 * With STORAGE=s3: the bucket, how many files wait for their upload (they are listed once stored) and
 * the last upload error. Nothing with local storage.
 */
export function StorageStatus() {
  const status = useResource('storage', () => apiGet<StorageView>('/api/v1/storage'), POLL_MS);
  const view = status.data;
  if (view?.kind !== 's3') return null;
  return (
    <p class={view.lastError ? 'error-text' : 'muted'} role="status">
      Bucket <code>{view.bucket}</code>:{' '}
      {view.pendingUploads === 0
        ? 'every file is stored.'
        : `${view.pendingUploads} upload${view.pendingUploads === 1 ? '' : 's'} waiting (oldest ${view.oldestPendingSec} s); files appear here once stored.`}
      {view.lastError ? ` Last upload error (${view.lastError.at}): ${view.lastError.message}` : ''}
    </p>
  );
}
