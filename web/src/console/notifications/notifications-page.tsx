import { apiGet, withQuery } from '../../lib/api.js';
import type { NotificationPage, NotificationStatus, NotificationView } from '../api-types.js';
import { BASE } from '../paths.js';
import { navigate, useLocation } from '../router.js';
import { LoadMore } from '../ui/load-more.js';
import { PageHeader } from '../ui/page-header.js';
import { usePages } from '../ui/use-pages.js';
import { NOTIFICATION_COLUMNS, NotificationRow } from './notification-row.js';

const STATUSES: readonly NotificationStatus[] = ['pending', 'delivered', 'dead'];
const PAGE_SIZE = 50;

/** The callback delivery log, newest first, filtered by status (`?status=dead`). */
export function NotificationsPage() {
  const { search } = useLocation();
  const requested = search.get('status') as NotificationStatus | null;
  const status = requested && STATUSES.includes(requested) ? requested : undefined;
  const path = withQuery('/api/v1/notifications', { status, limit: PAGE_SIZE });
  const pages = usePages<NotificationView>(path, async (cursor) => {
    const page = await apiGet<NotificationPage>(withQuery(path, { before: cursor }));
    return { items: page.notifications, next: page.nextCursor };
  });
  const filter = (event: Event) => {
    const value = (event.currentTarget as HTMLSelectElement).value;
    navigate(`${BASE}/notifications${value ? `?status=${value}` : ''}`);
  };
  return (
    <>
      <PageHeader title="Notifications">
        Every event callback sent to your backend and how it was answered. Where they go is set in{' '}
        <a href={`${BASE}/settings#callbacks`}>Settings → Callbacks</a>.
      </PageHeader>
      <div class="filters card">
        <div class="field">
          <label for="notification-status">Status</label>
          <select id="notification-status" value={status ?? ''} onChange={filter}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {!pages.loading && !pages.error && pages.items.length === 0 ? (
        <p class="card empty-state">
          No callbacks {status ? `with status “${status}”` : 'yet'}. They are sent when a push starts or ends
          and when a recording file is finished, once a callback URL is set.
        </p>
      ) : (
        <table class="data-table notifications-table">
          <caption class="visually-hidden">Callback deliveries</caption>
          <thead>
            <tr>
              {NOTIFICATION_COLUMNS.map((column) => (
                <th key={column} scope="col">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          {pages.items.map((n) => (
            <NotificationRow
              key={n.id}
              notification={n}
              onChanged={(next) => pages.update((old) => old.id === next.id, next)}
            />
          ))}
        </table>
      )}
      <LoadMore pages={pages} />
    </>
  );
}
