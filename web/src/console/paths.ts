/** The console's place in the site: its base path, first page, login view, and where a login leads. */

export const BASE = '/console';

export const HOME = `${BASE}/live`;
export const LOGIN_PATH = `${BASE}/login`;

/**
 * Where to go after logging in: only a console page of this origin, so a crafted `?next=` cannot send
 * the person elsewhere.
 */
export function afterLogin(next: string | null): string {
  if (next === null || !next.startsWith(`${BASE}/`) || next.startsWith(LOGIN_PATH)) return HOME;
  return next;
}
