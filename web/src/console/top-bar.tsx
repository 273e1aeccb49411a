import { PAGES } from './pages.js';
import { HOME } from './paths.js';

/** Product name, the page links (the current one marked for assistive technology too), and Log out. */
export function TopBar(props: { path: string; onLogout: () => void }) {
  return (
    <header class="topbar">
      <a class="brand" href={HOME}>
        LiveTape
      </a>
      <nav aria-label="Console">
        <ul>
          {PAGES.map((page) => (
            <li key={page.path}>
              <a href={page.path} aria-current={page.path === props.path ? 'page' : undefined}>
                {page.name}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <button type="button" class="button quiet" onClick={props.onLogout}>
        Log out
      </button>
    </header>
  );
}
