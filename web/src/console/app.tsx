import { useEffect, useState } from 'preact/hooks';
import { apiGet, onUnauthorized } from '../lib/api.js';
import { LoginView } from './login-view.js';
import { afterLogin, BASE, HOME, LOGIN_PATH } from './paths.js';
import { currentLocation, navigate, useLocation } from './router.js';
import { Shell } from './shell.js';

type Auth = 'checking' | 'in' | 'out';

/**
 * Asks the server whether this browser has a session, then shows either the login view or the console.
 * Any 401/403 from the API later (the session expired, the server restarted) returns to the login view,
 * remembering the page to come back to.
 */
export function App() {
  const [auth, setAuth] = useState<Auth>('checking');
  const { path, search } = useLocation();
  const next = search.get('next');

  useEffect(() => {
    onUnauthorized(() => setAuth('out'));
    apiGet<{ authenticated: boolean }>('/api/v1/session').then(
      (session) => setAuth(session.authenticated ? 'in' : 'out'),
      () => setAuth('out'),
    );
    return () => onUnauthorized(undefined);
  }, []);

  useEffect(() => {
    if (auth === 'out' && path !== LOGIN_PATH) {
      navigate(`${LOGIN_PATH}?next=${encodeURIComponent(currentLocation())}`, { replace: true });
    } else if (auth === 'in' && path === LOGIN_PATH) {
      navigate(afterLogin(next), { replace: true });
    } else if (auth === 'in' && !path.startsWith(`${BASE}/`)) {
      navigate(HOME, { replace: true });
    }
  }, [auth, path, next]);

  if (auth === 'checking') return <p class="page-loading">Loading…</p>;
  if (auth === 'out') return <LoginView onLoggedIn={() => setAuth('in')} />;
  return <Shell path={path} onLoggedOut={() => setAuth('out')} />;
}
