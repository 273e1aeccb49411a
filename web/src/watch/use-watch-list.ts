import { useEffect, useState } from 'preact/hooks';
import { ApiError, apiGet, errorText } from '../lib/api.js';
import type { WatchList } from '../lib/types.js';

export const REFRESH_MS = 15_000;

export interface WatchListState {
  list: WatchList | null;
  /** The last refresh failed; `list` still holds the previous answer, if any. */
  error: string | null;
}

/** `GET /api/watch` now and every 15 s while the tab is visible. */
export function useWatchList(): WatchListState {
  const [state, setState] = useState<WatchListState>({ list: null, error: null });
  useEffect(() => {
    let stopped = false;
    const refresh = () => {
      if (document.hidden) return;
      apiGet<WatchList>('/api/watch').then(
        (list) => !stopped && setState({ list, error: null }),
        (error: unknown) =>
          !stopped && setState((previous) => ({ list: previous.list, error: failureText(error) })),
      );
    };
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    document.addEventListener('visibilitychange', refresh);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', refresh);
    };
  }, []);
  return state;
}

function failureText(error: unknown): string {
  if (error instanceof ApiError && error.status === 404)
    return 'The watch page is turned off on this server.';
  return errorText(error);
}
