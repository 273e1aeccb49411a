import { useState } from 'preact/hooks';
import { apiGet, apiSend } from '../../lib/api.js';
import { formatDateTime, formatDuration } from '../../lib/format.js';
import type { RecordTaskDetail, RecordTaskView } from '../api-types.js';
import { ConfirmButton } from '../ui/confirm-button.js';
import { StatusText, useFormAction } from '../ui/form-status.js';
import { InputField } from '../ui/input-field.js';
import { Loaded } from '../ui/loaded.js';
import { PageHeader } from '../ui/page-header.js';
import { useResource } from '../ui/use-resource.js';

const PATH = '/api/v1/record-tasks';
const POLL_MS = 5000;

/** Record tasks: schedule one, see which are recording, stop or delete them, open the files each made. */
export function TasksPage() {
  const tasks = useResource(
    'record-tasks',
    () => apiGet<{ tasks: RecordTaskView[] }>(PATH, { limit: 1000 }),
    POLL_MS,
  );
  return (
    <>
      <PageHeader title="Tasks">
        A record task records a stream whenever it is live inside its window (at most 24 hours, ending within
        7 days), in its own files.
      </PageHeader>
      <ScheduleForm onCreated={tasks.reload} />
      <Loaded resource={tasks}>
        {(data) =>
          data.tasks.length === 0 ? (
            <p class="card empty-state">No record tasks yet.</p>
          ) : (
            <table class="data-table tasks-table">
              <caption class="visually-hidden">Record tasks</caption>
              <thead>
                <tr>
                  {['Stream', 'Window', 'Formats', 'State', 'Files', ''].map((column) => (
                    <th key={column} scope="col">
                      {column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {[...data.tasks].reverse().map((task) => (
                  <TaskRow key={task.id} task={task} onChanged={tasks.reload} />
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </>
  );
}

function TaskRow(props: { task: RecordTaskView; onChanged: () => void }) {
  const t = props.task;
  const name = `${t.app}/${t.stream}`;
  const [files, setFiles] = useState<RecordTaskDetail['recordings']>();
  const showFiles = async () => setFiles((await apiGet<RecordTaskDetail>(`${PATH}/${t.id}`)).recordings);
  const stop = async () => {
    await apiSend('POST', `${PATH}/${t.id}/stop`);
    props.onChanged();
  };
  const remove = async () => {
    await apiSend('DELETE', `${PATH}/${t.id}`);
    props.onChanged();
  };
  return (
    <tr aria-label={`Task ${t.id}`}>
      <td>{name}</td>
      <td>
        {formatDateTime(t.startTime)} – {formatDateTime(t.endTime)}
      </td>
      <td>{t.formats.map((f) => f.toUpperCase()).join(', ')}</td>
      <td>
        <span class={`badge ${t.state === 'recording' ? 'recording' : ''}`}>{t.state}</span>
      </td>
      <td>
        {files === undefined ? (
          <button
            type="button"
            class="button quiet"
            onClick={showFiles}
            aria-label={`Show the files of task ${t.id}`}
          >
            Show
          </button>
        ) : files.length === 0 ? (
          <span class="muted">none yet</span>
        ) : (
          <ul class="task-files" aria-label={`Files of task ${t.id}`}>
            {files.map((f) => (
              <li key={f.id}>
                <a href={f.playerUrl} target="_blank" rel="noopener">
                  {f.format.toUpperCase()}{' '}
                  {f.status === 'done' ? formatDuration(f.durationMs) : '(recording)'}
                </a>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td class="actions">
        {(t.state === 'recording' || t.state === 'active' || t.state === 'scheduled') && (
          <ConfirmButton
            label="Stop"
            accessibleLabel={`Stop task ${t.id}`}
            question={`Stop recording ${name}?`}
            confirmLabel="Stop task"
            onConfirm={stop}
          >
            <p>What was recorded is finished and kept now; the task does not record again.</p>
          </ConfirmButton>
        )}
        <ConfirmButton
          label="Delete"
          accessibleLabel={`Delete task ${t.id}`}
          question={`Delete the task for ${name}?`}
          confirmLabel="Delete task"
          danger
          onConfirm={remove}
        >
          <p>Later pushes are not recorded by it; a recording in progress goes on, and its files are kept.</p>
        </ConfirmButton>
      </td>
    </tr>
  );
}

/** `datetime-local` values are local wall-clock time without a zone. */
const localInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

function ScheduleForm(props: { onCreated: () => void }) {
  const [app, setApp] = useState('live');
  const [stream, setStream] = useState('');
  const [start, setStart] = useState(() => localInput(Date.now()));
  const [end, setEnd] = useState(() => localInput(Date.now() + 3600_000));
  const [formats, setFormats] = useState('mp4|hls');
  const [status, run] = useFormAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => {
      const task = await apiSend<RecordTaskView>('POST', PATH, {
        app: app.trim() || 'live',
        stream: stream.trim(),
        startTime: new Date(start).toISOString(),
        endTime: new Date(end).toISOString(),
        formats,
      });
      props.onCreated();
      return `Task ${task.id} scheduled.`;
    });
  };
  return (
    <form class="card" onSubmit={submit} aria-label="Schedule a recording" noValidate>
      <div class="field-row">
        <InputField id="task-app" label="App" value={app} onValue={setApp} autocomplete="off" />
        <InputField
          id="task-stream"
          label="Stream name"
          value={stream}
          onValue={setStream}
          required
          autocomplete="off"
        />
        <div class="field">
          <label for="task-formats">Formats</label>
          <select id="task-formats" value={formats} onChange={(e) => setFormats(e.currentTarget.value)}>
            {['mp4|hls', 'hls', 'mp4', 'flv', 'aac'].map((f) => (
              <option key={f} value={f}>
                {f.toUpperCase().replace('|', ' + ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div class="field-row">
        <InputField id="task-start" label="From" value={start} onValue={setStart} type="datetime-local" />
        <InputField id="task-end" label="Until" value={end} onValue={setEnd} type="datetime-local" />
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={status.kind === 'working'}>
          Schedule
        </button>
        <StatusText status={status} />
      </div>
    </form>
  );
}
