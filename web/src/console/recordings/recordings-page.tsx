import { BASE } from '../paths.js';
import { useLocation } from '../router.js';
import { PageHeader } from '../ui/page-header.js';
import { SnapshotStatus } from '../ui/snapshot-status.js';
import { BroadcastList } from './broadcast-list.js';
import { FilterForm } from './filter-form.js';
import { filterSearch, filtersFrom } from './filters.js';
import { RecordingTable } from './recording-table.js';
import { StorageStatus } from './storage-status.js';

const VIEWS = [
  { id: '', name: 'Files' },
  { id: 'broadcasts', name: 'Broadcasts' },
] as const;

/** Recorded files, or the broadcasts that group them (`?view=broadcasts`), filtered by the URL. */
export function RecordingsPage() {
  const { search } = useLocation();
  const view = search.get('view') === 'broadcasts' ? 'broadcasts' : '';
  const filters = filtersFrom(search);
  const searchKey = search.toString();
  return (
    <>
      <PageHeader title="Recordings">
        Every finished file, newest first. Play, download, share or delete them; broadcasts group the files of
        one push.
      </PageHeader>
      <StorageStatus />
      <SnapshotStatus />
      <nav class="view-switch" aria-label="Recordings view">
        {VIEWS.map((v) => (
          <a
            key={v.id}
            class="view-link"
            href={`${BASE}/recordings${filterSearch({ stream: filters.stream }, v.id)}`}
            aria-current={v.id === view ? 'page' : undefined}
          >
            {v.name}
          </a>
        ))}
      </nav>
      <FilterForm key={searchKey} filters={filters} view={view} streamOnly={view === 'broadcasts'} />
      {view === 'broadcasts' ? (
        <BroadcastList stream={filters.stream.trim()} />
      ) : (
        <RecordingTable filters={filters} />
      )}
    </>
  );
}
