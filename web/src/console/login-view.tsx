import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, apiSend, errorText } from '../lib/api.js';

/**
 * The admin password form. The field has the focus on arrival and again (selected) after a failure, so
 * a mistyped password is simply typed over.
 */
export function LoginView(props: { onLoggedIn: () => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Log in · LiveTape';
    field.current?.focus();
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      await apiSend('POST', '/api/v1/session', { password });
      props.onLoggedIn();
    } catch (failure) {
      setError(loginError(failure));
      setBusy(false);
      field.current?.select();
    }
  };

  return (
    <main class="login" id="main">
      <form class="card login-card" onSubmit={submit} aria-describedby="login-hint">
        <h1>LiveTape</h1>
        <p id="login-hint" class="muted">
          Log in with the admin password (printed when the server first started, or set with ADMIN_PASSWORD).
        </p>
        <label for="password">Admin password</label>
        <input
          id="password"
          ref={field}
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          aria-invalid={error !== ''}
          aria-describedby={error ? 'login-error' : undefined}
        />
        {error && (
          <p id="login-error" role="alert" class="error-text">
            {error}
          </p>
        )}
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}

function loginError(failure: unknown): string {
  if (failure instanceof ApiError && failure.status === 401) return 'Wrong password.';
  if (failure instanceof ApiError && failure.status === 429) {
    return `Too many attempts. ${failure.message}`.trim();
  }
  return errorText(failure);
}
