import { useId, useState } from 'preact/hooks';
import { apiSend } from '../../lib/api.js';
import { formatDateTime } from '../../lib/format.js';
import type { NotificationView } from '../api-types.js';
import { StatusText, useFormAction } from '../ui/form-status.js';

export const NOTIFICATION_COLUMNS = [
  'Created',
  'Event',
  'Stream',
  'Status',
  'Attempts',
  'Last answer',
  'Actions',
];

const EVENTS: Record<number, string> = {
  0: 'push ended',
  1: 'push started',
  100: 'recording file',
  200: 'screenshot',
};

/** One callback: its row, and its receiver's answer below when expanded. Redeliver for finished ones. */
export function NotificationRow(props: {
  notification: NotificationView;
  onChanged: (n: NotificationView) => void;
}) {
  const n = props.notification;
  const [open, setOpen] = useState(false);
  const [status, run] = useFormAction();
  const detailId = useId();
  const redeliver = () =>
    run(async () => {
      props.onChanged(await apiSend<NotificationView>('POST', `/api/v1/notifications/${n.id}/redeliver`));
      return 'Queued again.';
    });
  const event = EVENTS[n.eventType] ?? `event ${n.eventType}`;
  const name = `the ${event} callback of ${n.stream}`;
  const cells = [formatDateTime(n.createdAt), event, n.stream, n.status, String(n.attempts), lastAnswer(n)];
  return (
    <tbody class={`notification status-${n.status}`}>
      <tr>
        {cells.map((text, i) => (
          <td key={NOTIFICATION_COLUMNS[i]} data-label={NOTIFICATION_COLUMNS[i]}>
            {i === 3 ? <span class={`badge ${n.status}`}>{text}</span> : text}
          </td>
        ))}
        <td class="row-actions">
          <button
            type="button"
            class="button"
            aria-expanded={open}
            aria-controls={detailId}
            aria-label={`${open ? 'Hide answer to' : 'Answer to'} ${name}`}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide answer' : 'Answer'}
          </button>
          {n.status !== 'pending' && (
            <button
              type="button"
              class="button"
              onClick={redeliver}
              disabled={status.kind === 'working'}
              aria-label={`Redeliver ${name}`}
            >
              Redeliver
            </button>
          )}
          <StatusText status={status} />
        </td>
      </tr>
      <tr class="detail-row" id={detailId} hidden={!open}>
        <td colSpan={NOTIFICATION_COLUMNS.length}>
          <dl class="facts">
            <dt>Sent to</dt>
            <dd>{n.url}</dd>
            <dt>Last attempt</dt>
            <dd>{formatDateTime(n.lastAttemptAt)}</dd>
            {n.nextAttemptAt && (
              <>
                <dt>Next attempt</dt>
                <dd>{formatDateTime(n.nextAttemptAt)}</dd>
              </>
            )}
            <dt>Receiver's answer</dt>
            <dd>
              <pre class="response">{n.lastResponse || '(empty)'}</pre>
            </dd>
          </dl>
        </td>
      </tr>
    </tbody>
  );
}

function lastAnswer(n: NotificationView): string {
  if (n.lastStatus !== null)
    return n.lastError ? `HTTP ${n.lastStatus}: ${n.lastError}` : `HTTP ${n.lastStatus}`;
  return n.lastError ?? (n.attempts === 0 ? 'not sent yet' : '—');
}
