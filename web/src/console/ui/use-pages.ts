import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/api.js';

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Pages<T> {
  items: T[];
  hasMore: boolean;
  loading: boolean;
  error?: string;
  loadMore(): void;
  /** Drops the matching items from the list shown (after a delete) without reloading it. */
  remove(match: (item: T) => boolean): void;
  /** Replaces one item (after an action answered its new state). */
  update(match: (item: T) => boolean, item: T): void;
}

/**
 * A cursor-paged list ("Load more"): the first page loads whenever `key` (the filters) changes, later
 * pages append. Answers for an older `key` are dropped.
 */
export function usePages<T>(key: string, fetchPage: (cursor?: string) => Promise<Page<T>>): Pages<T> {
  const [state, setState] = useState<{ items: T[]; next: string | null; loading: boolean; error?: string }>({
    items: [],
    next: null,
    loading: true,
  });
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const generation = useRef(0);

  const load = useCallback(async (cursor?: string) => {
    if (cursor === undefined) generation.current += 1;
    const mine = generation.current;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    try {
      const page = await fetchRef.current(cursor);
      if (mine !== generation.current) return;
      setState((s) => ({
        items: cursor === undefined ? page.items : [...s.items, ...page.items],
        next: page.next,
        loading: false,
      }));
    } catch (error) {
      if (mine === generation.current) setState((s) => ({ ...s, loading: false, error: errorText(error) }));
    }
  }, []);

  // `key` names the list: a new one starts over from the first page.
  useEffect(() => {
    void load();
  }, [key, load]);

  return {
    items: state.items,
    hasMore: state.next !== null,
    loading: state.loading,
    error: state.error,
    loadMore: () => {
      if (state.next !== null && !state.loading) void load(state.next);
    },
    remove: (match) => setState((s) => ({ ...s, items: s.items.filter((item) => !match(item)) })),
    update: (match, item) =>
      setState((s) => ({ ...s, items: s.items.map((old) => (match(old) ? item : old)) })),
  };
}
