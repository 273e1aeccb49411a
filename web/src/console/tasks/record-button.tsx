import { useState } from 'preact/hooks';
import { apiSend, errorText } from '../../lib/api.js';
import type { RecordTaskView } from '../api-types.js';

/** "Until stopped" is a task's longest window: 24 hours. */
const CHOICES = [
  { label: 'until stopped', minutes: 24 * 60 },
  { label: '5 minutes', minutes: 5 },
  { label: '15 minutes', minutes: 15 },
  { label: '30 minutes', minutes: 30 },
  { label: '60 minutes', minutes: 60 },
] as const;

/**
 * Records a live stream on demand: makes a record task from now (until stopped, or for N minutes), and
 * stops it again. The task and its files are on the Tasks page.
 */
export function RecordButton(props: { app: string; stream: string }) {
  const name = `${props.app}/${props.stream}`;
  const [minutes, setMinutes] = useState<number>(CHOICES[0].minutes);
  const [task, setTask] = useState<RecordTaskView | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const act = async (action: () => Promise<RecordTaskView>) => {
    setBusy(true);
    setError('');
    try {
      setTask(await action());
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  const start = () =>
    act(() =>
      apiSend<RecordTaskView>('POST', '/api/v1/record-tasks', {
        app: props.app,
        stream: props.stream,
        endTime: new Date(Date.now() + minutes * 60_000).toISOString(),
        formats: 'mp4|hls',
      }),
    );
  const stop = () => act(() => apiSend<RecordTaskView>('POST', `/api/v1/record-tasks/${task!.id}/stop`));
  const recording = task !== undefined && task.state !== 'stopped';
  return (
    <div class="record-control">
      {recording ? (
        <button
          type="button"
          class="button danger"
          disabled={busy}
          onClick={stop}
          aria-label={`Stop recording ${name}`}
        >
          Stop recording
        </button>
      ) : (
        <>
          <select
            aria-label={`Record ${name} for`}
            value={minutes}
            onChange={(e) => setMinutes(Number((e.currentTarget as HTMLSelectElement).value))}
          >
            {CHOICES.map((c) => (
              <option key={c.minutes} value={c.minutes}>
                {c.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="button primary"
            disabled={busy}
            onClick={start}
            aria-label={`Record ${name}`}
          >
            Record
          </button>
        </>
      )}
      {task && (
        <span class="muted" role="status">
          {recording ? 'Recording (task ' : 'Stopped (task '}
          {task.id})
        </span>
      )}
      {error && (
        <span class="error-text" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
