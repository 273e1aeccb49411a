import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { errorText } from '../../lib/api.js';

export interface Resource<T> {
  data?: T;
  error?: string;
  loading: boolean;
  reload(): void;
}

/**
 * Loads something when `key` changes (and every `pollMs` when given) and keeps the last good answer on
 * screen while the next one loads or fails. A late answer of an older request never overwrites a newer one.
 */
export function useResource<T>(key: string, load: () => Promise<T>, pollMs = 0): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const runRef = useRef<() => void>(() => {});
  // `key` names what to load: a new one starts over.
  useEffect(() => {
    let latest = 0;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      clearTimeout(timer);
      const request = ++latest;
      try {
        const data = await loadRef.current();
        if (!stopped && request === latest) setState({ data, loading: false });
      } catch (error) {
        if (!stopped && request === latest)
          setState((s) => ({ ...s, error: errorText(error), loading: false }));
      }
      if (!stopped && request === latest && pollMs > 0) timer = setTimeout(run, pollMs);
    };
    runRef.current = () => void run();
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [key, pollMs]);
  const reload = useCallback(() => runRef.current(), []);
  return { ...state, reload };
}
