import { useState } from 'preact/hooks';
import { BASE } from '../paths.js';
import { navigate } from '../router.js';
import { FORMATS, filterSearch, type RecordingFilters } from './filters.js';

/**
 * Search by stream, format and day range. Applying navigates to the filtered URL; with `streamOnly` (the
 * broadcasts view, which the API filters by stream only) the other fields are left out.
 */
export function FilterForm(props: { filters: RecordingFilters; view?: string; streamOnly?: boolean }) {
  const [draft, setDraft] = useState(props.filters);
  const set = (field: keyof RecordingFilters) => (event: Event) =>
    setDraft({ ...draft, [field]: (event.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    const filters = props.streamOnly ? { stream: draft.stream } : draft;
    navigate(`${BASE}/recordings${filterSearch(filters, props.view)}`);
  };
  return (
    <form class="filters card" onSubmit={apply} aria-label="Filter recordings">
      <div class="field">
        <label for="filter-stream">Stream</label>
        <input
          id="filter-stream"
          type="search"
          value={draft.stream}
          onInput={set('stream')}
          placeholder="any"
          autocomplete="off"
        />
      </div>
      {!props.streamOnly && (
        <>
          <div class="field">
            <label for="filter-format">Format</label>
            <select id="filter-format" value={draft.format} onChange={set('format')}>
              <option value="">any</option>
              {FORMATS.map((format) => (
                <option key={format} value={format}>
                  {format.toUpperCase()}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="filter-status">Status</label>
            <select id="filter-status" value={draft.status} onChange={set('status')}>
              <option value="">finished</option>
              <option value="failed">failed</option>
              <option value="all">all</option>
            </select>
          </div>
          <div class="field">
            <label for="filter-from">From</label>
            <input id="filter-from" type="date" value={draft.from} onInput={set('from')} />
          </div>
          <div class="field">
            <label for="filter-to">To</label>
            <input id="filter-to" type="date" value={draft.to} min={draft.from} onInput={set('to')} />
          </div>
        </>
      )}
      <div class="filter-actions">
        <button type="submit" class="button primary">
          Search
        </button>
        <a class="button quiet" href={`${BASE}/recordings${filterSearch({}, props.view)}`}>
          Clear
        </a>
      </div>
    </form>
  );
}
