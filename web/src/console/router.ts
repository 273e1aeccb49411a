/**
 * Client-side routing under /console with the History API: links stay real `<a href>`s (open in a new
 * tab, copy link, back button all work); a plain left click on a same-origin /console link is turned
 * into a `pushState` so the app does not reload.
 */
import { useEffect, useState } from 'preact/hooks';
import { BASE } from './paths.js';

const NAVIGATED = 'livetape:navigate';

export function currentLocation(): string {
  return `${location.pathname}${location.search}${location.hash}`;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentLocation()) return;
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The current path and query string; re-renders on every navigation (links, back, forward). */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [href, setHref] = useState(currentLocation);
  useEffect(() => {
    const update = () => setHref(currentLocation());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  const url = new URL(href, location.origin);
  return { path: url.pathname.replace(/\/+$/, '') || '/', search: url.searchParams };
}

/** Installs the click handler that keeps in-app links inside the app. Returns its remover. */
export function interceptLinks(root: HTMLElement): () => void {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = (event.target as Element | null)?.closest('a');
    if (!link || link.target || link.hasAttribute('download')) return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !isConsolePath(url.pathname)) return;
    // An in-page anchor (the skip link) is the browser's to scroll to and focus.
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    event.preventDefault();
    navigate(`${url.pathname}${url.search}${url.hash}`);
  };
  root.addEventListener('click', onClick);
  return () => root.removeEventListener('click', onClick);
}

function isConsolePath(path: string): boolean {
  return path === BASE || path.startsWith(`${BASE}/`);
}
