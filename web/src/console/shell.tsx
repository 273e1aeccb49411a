import { useEffect, useRef } from 'preact/hooks';
import { apiSend } from '../lib/api.js';
import { PAGES } from './pages.js';
import { HOME } from './paths.js';
import { TopBar } from './top-bar.js';

/**
 * The logged-in console: top bar and the page the path names. After a navigation the focus moves to the
 * new page's heading, so keyboard and screen-reader users land on what changed.
 */
export function Shell(props: { path: string; onLoggedOut: () => void }) {
  const page = PAGES.find((p) => p.path === props.path);
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${page?.name ?? 'Not found'} · LiveTape`;
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [page]);

  const logout = async () => {
    await apiSend('DELETE', '/api/v1/session').catch(() => undefined);
    props.onLoggedOut();
  };

  const Page = page?.component;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar path={props.path} onLogout={logout} />
      <main id="main" ref={main} class="page">
        {Page ? (
          <Page />
        ) : (
          <>
            <h1 tabIndex={-1}>Page not found</h1>
            <p>
              <a href={HOME}>Go to Live now</a>
            </p>
          </>
        )}
      </main>
    </>
  );
}
