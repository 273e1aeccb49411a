import { apiGet, withQuery } from '../../lib/api.js';
import type { Recording, RecordingPage } from '../../lib/types.js';
import { LoadMore } from '../ui/load-more.js';
import { usePages } from '../ui/use-pages.js';
import { type RecordingFilters, recordingQuery } from './filters.js';
import { RECORDING_COLUMNS, RecordingRow } from './recording-row.js';

const PAGE_SIZE = 50;

/** The files matching the filters, a page at a time; phones see each row as a card (styles.css). */
export function RecordingTable(props: { filters: RecordingFilters }) {
  const query = recordingQuery(props.filters);
  const path = withQuery('/api/v1/recordings', { ...query, limit: PAGE_SIZE });
  const pages = usePages<Recording>(path, async (cursor) => {
    const page = await apiGet<RecordingPage>(withQuery(path, { cursor }));
    return { items: page.recordings, next: page.nextCursor };
  });
  const remove = (id: string) => pages.remove((r) => r.id === id);

  if (!pages.loading && !pages.error && pages.items.length === 0) {
    return <p class="card empty-state">No recordings match. Recordings appear here when a push ends.</p>;
  }
  return (
    <>
      <table class="data-table recordings-table">
        <caption class="visually-hidden">Recorded files</caption>
        <thead>
          <tr>
            {RECORDING_COLUMNS.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        {pages.items.map((recording) => (
          <RecordingRow key={recording.id} recording={recording} onDeleted={() => remove(recording.id)} />
        ))}
      </table>
      <LoadMore pages={pages} />
    </>
  );
}
