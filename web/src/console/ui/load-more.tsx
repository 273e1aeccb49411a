import type { Pages } from './use-pages.js';

/** Loading/error line and the "Load more" button under a paged list. */
export function LoadMore<T>({ pages }: { pages: Pages<T> }) {
  return (
    <div class="load-more">
      {pages.error && (
        <p role="alert" class="error-text">
          {pages.error}
        </p>
      )}
      {pages.loading ? (
        <p class="muted" role="status">
          Loading…
        </p>
      ) : (
        pages.hasMore && (
          <button type="button" class="button" onClick={pages.loadMore}>
            Load more
          </button>
        )
      )}
    </div>
  );
}
